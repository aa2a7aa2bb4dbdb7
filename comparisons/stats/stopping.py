"""Stopping rules for a pair, from its anytime-valid interval of the win rate (ties as half).

A study's ``stopping`` setting is one rule or a list of rules; a pair settles at the first look
at which any of them holds, and what it says then is final:

- ``{"rule": "verdict"}``: the interval excludes 1/2 (one system is preferred);
- ``{"rule": "precision", "half_width": h}``: the interval's half-width is at most h;
- ``{"rule": "budget", "max_votes": n}``: the pair has n counted votes.

The verdict is read off the interval: the first system preferred if it lies above 1/2, the
second if below, otherwise no difference shown. Because the interval is valid at every look
at once (``sequential``), stopping at a look chosen by these rules keeps its guarantee: the
chance that a settled verdict names the worse system is at most (1 - level) / 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import AsDict

RULES = ("verdict", "precision", "budget")


@dataclass(frozen=True)
class StoppingRules(AsDict):
    verdict: bool = False
    half_width: float | None = None
    max_votes: int | None = None

    @property
    def any(self) -> bool:
        return self.verdict or self.half_width is not None or self.max_votes is not None

    def as_setting(self) -> list[dict[str, Any]]:
        """The JSON setting these rules came from (the canonical list form)."""
        out: list[dict[str, Any]] = []
        if self.verdict:
            out.append({"rule": "verdict"})
        if self.half_width is not None:
            out.append({"rule": "precision", "half_width": self.half_width})
        if self.max_votes is not None:
            out.append({"rule": "budget", "max_votes": self.max_votes})
        return out


class StoppingError(ValueError):
    """A bad ``stopping`` setting; ``field`` names the part (e.g. ``stopping[1].half_width``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def parse_stopping(value: Any, field: str = "stopping") -> StoppingRules:
    """Validate a ``stopping`` setting: None, one rule object or a list of them (each rule
    at most once). Raises ``StoppingError`` naming the field and the reason."""
    if value is None:
        return StoppingRules()
    items = value if isinstance(value, list) else [value]
    single = not isinstance(value, list)
    found: dict[str, Any] = {}
    for i, item in enumerate(items):
        where = field if single else f"{field}[{i}]"
        rule, setting = _parse_rule(item, where)
        if rule in found:
            raise StoppingError(f"{where}.rule", f"{rule} is given twice")
        found[rule] = setting
    return StoppingRules("verdict" in found, found.get("precision"), found.get("budget"))


def _parse_rule(item: Any, where: str) -> tuple[str, Any]:
    """(rule, its setting: True, the half-width or the vote budget) of one rule object."""
    if not isinstance(item, dict):
        raise StoppingError(where, 'must be an object such as {"rule": "verdict"}')
    rule = item.get("rule")
    if rule not in RULES:
        raise StoppingError(f"{where}.rule", f"must be one of {', '.join(RULES)}")
    allowed = {"verdict": {"rule"}, "precision": {"rule", "half_width"}, "budget": {"rule", "max_votes"}}[rule]
    extra = sorted(set(item) - allowed)
    if extra:
        raise StoppingError(f"{where}.{extra[0]}", f"is not a setting of the {rule} rule")
    if rule == "precision":
        h = item.get("half_width")
        if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0.0 < float(h) < 0.5:
            raise StoppingError(f"{where}.half_width", "must be a number between 0 and 0.5 (exclusive)")
        return rule, float(h)
    if rule == "budget":
        n = item.get("max_votes")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise StoppingError(f"{where}.max_votes", "must be a positive integer")
        return rule, n
    return rule, True


def read_verdict(low: float, high: float, first: str, second: str) -> tuple[str | None, str]:
    """(winner or None, sentence) from the win rate's interval [low, high] of ``first``."""
    if low > 0.5:
        return first, f"{first} preferred over {second}"
    if high < 0.5:
        return second, f"{second} preferred over {first}"
    return None, f"no difference shown between {first} and {second} (win rate in [{low:.2f}, {high:.2f}])"


def rule_met(rules: StoppingRules, low: float, high: float, n_votes: int) -> str | None:
    """The first rule (in the order verdict, precision, budget) that holds, or None."""
    if rules.verdict and (low > 0.5 or high < 0.5):
        return "verdict"
    if rules.half_width is not None and (high - low) / 2.0 <= rules.half_width + 1e-12:
        return "precision"
    if rules.max_votes is not None and n_votes >= rules.max_votes:
        return "budget"
    return None


def projected_half_width(n: np.ndarray, variance: float, alpha: float) -> np.ndarray:
    """Half-width of the predictable-mixture empirical-Bernstein sequence (Waudby-Smith & Ramdas
    2023, Theorem 2) after n observations of variance ``variance``, with its bets
    l_i = min(sqrt(2 log(2/alpha) / (v i log(1 + i))), 1/2):
    (log(2/alpha) + v sum psi(l_i)) / sum l_i, psi(l) = -log(1 - l) - l. A projection of how the
    betting interval narrows, scaled to its current width by ``votes_to_settle``."""
    top = int(np.max(n)) if np.size(n) else 1
    i = np.arange(1, max(top, 1) + 1, dtype=float)
    v = max(variance, 1e-4)
    lam = np.minimum(np.sqrt(2.0 * math.log(2.0 / alpha) / (v * i * np.log1p(i))), 0.5)
    psi = -np.log1p(-lam) - lam
    num = math.log(2.0 / alpha) + v * np.cumsum(psi)
    widths = num / np.cumsum(lam)
    return np.asarray(widths[np.maximum(np.asarray(n, dtype=int), 1) - 1])


@dataclass(frozen=True)
class Need(AsDict):
    votes: int  # more votes until the pair settles (projected), at most the design's remaining votes
    prompts: int  # more prompts with all their votes
    settles_within_design: bool
    rule: str | None  # the rule expected to settle it first


def votes_to_settle(
    rules: StoppingRules,
    estimate: float | None,
    low: float,
    high: float,
    prompts_done: int,
    variance: float,
    votes_per_prompt: int,
    n_votes: int,
    votes_left_in_design: int,
    level: float = 0.95,
) -> Need:
    """Votes still needed until a rule holds, assuming the per-prompt variance stays as observed
    and the interval narrows around its present centre as ``projected_half_width`` (scaled so
    that it equals the present half-width now). With no rule, the rest of the design.
    ``estimate`` None (no votes) means the verdict rule cannot be projected."""
    alpha = 1.0 - level
    m = max(int(votes_per_prompt), 1)
    prompts_left = votes_left_in_design // m
    horizon = np.arange(prompts_done, prompts_done + prompts_left + 1)
    now = (high - low) / 2.0
    base = projected_half_width(np.array([max(prompts_done, 1)]), variance, alpha)[0]
    scale = now / base if prompts_done > 0 and base > 0 else 1.0
    widths = np.minimum(projected_half_width(horizon, variance, alpha) * scale, now) if horizon.size else np.zeros(0)
    best: tuple[int, str] | None = None
    centre = (low + high) / 2.0  # the interval narrows around its centre (it need not hold the estimate midway)
    if rules.verdict and estimate is not None and abs(centre - 0.5) > 0:
        ok = np.flatnonzero(widths < abs(centre - 0.5))
        if ok.size:
            best = (int(ok[0]) * m, "verdict")
    if rules.half_width is not None:
        ok = np.flatnonzero(widths <= rules.half_width)
        if ok.size and (best is None or int(ok[0]) * m < best[0]):
            best = (int(ok[0]) * m, "precision")
    if rules.max_votes is not None:
        left = max(rules.max_votes - n_votes, 0)
        if left <= votes_left_in_design and (best is None or left < best[0]):
            best = (left, "budget")
    if best is None:
        return Need(votes_left_in_design, prompts_left, False, None)
    votes = min(best[0], votes_left_in_design)
    return Need(votes, -(-votes // m), True, best[1])
