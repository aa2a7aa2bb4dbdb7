"""Anytime-valid intervals for the five shares of a pair: betting confidence sequences over
prompts, and the honest fallback for the bootstrap when a pair has very few prompts.

The unit is the prompt. Each prompt's observation is the mean, over its votes on the pair, of
the indicator of the share (win, tie, loss, win or tie) or of the score 1 / 1/2 / 0 (win rate
with ties as half): a number in [0, 1] whose expectation is the share. A prompt joins the
sequence once it has all its votes (``votes_per_prompt``), at the time its last vote came
(``order_keys``, e.g. vote ids), so that each look only appends to the sequence of the look
before; prompts completed together, or with no times given, go in a seeded random order (a hash
of the seed and the prompt id), never in upload order. The sequence is fed to the
hedged-capital process (``betting.hedged_interval``), whose running intersection is valid at
every look at once (Ville's inequality) as long as the order in which prompts complete does not
depend on their votes (the rater path never sees outcomes). The target is the prompt-level
share: the mean over prompts of each prompt's share (the vote share when every prompt has the
same number of votes, as in this design).

``previous`` intervals (from the last look) are intersected in as well, so an interval never
widens from one look to the next, even when votes are excluded later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import AsDict, as_outcomes, check_level, factorize
from .betting import hedged_interval
from .intervals import Interval

SHARES = ("win_share", "tie_share", "loss_share", "win_or_tie_share", "win_rate")
METHOD = "betting confidence sequence (hedged capital; Waudby-Smith & Ramdas 2023), prompts as units"
MIN_BOOTSTRAP_PROMPTS = 20  # below this a percentile bootstrap over prompts is not trusted


@dataclass(frozen=True)
class SequentialIntervals(AsDict):
    """Anytime-valid intervals for the five headline shares (same shape as the bootstrap's)."""

    n_votes: int
    n_prompts: int  # prompts in the sequence (with all their votes)
    seed: int
    win_share: Interval
    tie_share: Interval
    loss_share: Interval
    win_or_tie_share: Interval
    win_rate: Interval
    method: str = METHOD

    def interval(self, share: str) -> Interval:
        value: Interval = getattr(self, share)
        return value


def prompt_order(prompt_ids: np.ndarray, seed: int) -> np.ndarray:
    """A seeded random order of distinct integer prompt ids: argsort of splitmix64(seed, id).

    The key of a prompt does not depend on the other prompts, so a prompt that arrives later
    slots into the same place at every look."""
    with np.errstate(over="ignore"):
        z = np.asarray(prompt_ids, dtype=np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return np.argsort(z, kind="stable")


def prompt_observations(
    prompt_ids: np.ndarray | list[int],
    outcomes: np.ndarray | list[int],
    seed: int = 0,
    votes_per_prompt: int | None = None,
    order_keys: np.ndarray | list[int] | None = None,
) -> dict[str, np.ndarray]:
    """Per share, the per-prompt means of the prompts in the sequence, in its order.

    With ``votes_per_prompt`` = m, a prompt joins the sequence once it has m votes (a prompt
    still being voted on waits, so that each observation is final), at the ``order_keys`` of
    its m-th vote (e.g. vote ids: the order in which prompts were completed); prompts are
    otherwise, and on equal keys, in the seeded random order of ``prompt_order``."""
    out = as_outcomes(outcomes)
    ids = np.asarray(prompt_ids, dtype=np.int64)
    if ids.shape != out.shape:
        raise ValueError("prompt_ids and outcomes must have the same length")
    if out.size == 0:
        return {share: np.zeros(0) for share in SHARES}
    distinct, inv = factorize(ids)
    p = distinct.size
    n = np.bincount(inv, minlength=p).astype(float)
    wins = np.bincount(inv, weights=(out == 1), minlength=p) / n
    ties = np.bincount(inv, weights=(out == 0), minlength=p) / n
    losses = np.bincount(inv, weights=(out == -1), minlength=p) / n
    rank = np.empty(p, dtype=np.int64)
    rank[prompt_order(distinct, seed)] = np.arange(p)
    keep = np.ones(p, dtype=bool) if votes_per_prompt is None else n >= votes_per_prompt
    if order_keys is None:
        order = np.argsort(rank, kind="stable")
    else:
        keys = np.asarray(order_keys, dtype=np.int64)
        if keys.shape != out.shape:
            raise ValueError("order_keys and outcomes must have the same length")
        m = 1 if votes_per_prompt is None else int(votes_per_prompt)
        by_prompt = np.lexsort((keys, inv))  # votes grouped by prompt, in key order
        start = np.concatenate([[0], np.cumsum(np.bincount(inv, minlength=p))[:-1]])
        completed = np.full(p, np.iinfo(np.int64).max)
        full = n >= m
        completed[full] = keys[by_prompt[start[full] + m - 1]]
        order = np.lexsort((rank, completed))
    order = order[keep[order]]
    per_share = {
        "win_share": wins,
        "tie_share": ties,
        "loss_share": losses,
        "win_or_tie_share": wins + ties,
        "win_rate": wins + 0.5 * ties,
    }
    return {share: np.clip(values[order], 0.0, 1.0) for share, values in per_share.items()}


def sequential_intervals(
    prompt_ids: np.ndarray | list[int],
    outcomes: np.ndarray | list[int],
    level: float = 0.95,
    seed: int = 0,
    previous: dict[str, dict[str, float | None]] | None = None,
    votes_per_prompt: int | None = None,
    order_keys: np.ndarray | list[int] | None = None,
    shares: tuple[str, ...] = SHARES,
) -> SequentialIntervals:
    """Anytime-valid intervals for the five shares of one pair (votes coded +1/0/-1 from the
    first system's side, each with its prompt id).

    ``estimate`` is the vote share (as the other methods); ``low``/``high`` the running
    intersection of the betting sequence over the prompts of ``prompt_observations`` (only
    the ``shares`` asked for; the others get [0, 1]), intersected with
    ``previous`` (a dict share -> {"low", "high"} from an earlier look, e.g. the last
    results) so that the interval never widens. If that intersection is empty (which happens
    with probability at most 1 - level over the whole study) the interval collapses onto the
    nearer end of the earlier one."""
    level = check_level(level)
    alpha = 1.0 - level
    out = as_outcomes(outcomes)
    observations = prompt_observations(prompt_ids, out, seed, votes_per_prompt, order_keys)
    n_prompts = int(observations["win_share"].size)
    n = int(out.size)
    w, t, losses = (int(np.count_nonzero(out == v)) for v in (1, 0, -1))
    estimates = {
        "win_share": w,
        "tie_share": t,
        "loss_share": losses,
        "win_or_tie_share": w + t,
        "win_rate": w + 0.5 * t,
    }
    intervals: dict[str, Interval] = {}
    for share in SHARES:
        low, high = hedged_interval(observations[share], alpha) if share in shares else (0.0, 1.0)
        before = (previous or {}).get(share) or {}
        if before.get("low") is not None and before.get("high") is not None:
            low, high = _intersect(low, high, float(before["low"]), float(before["high"]))  # type: ignore[arg-type]
        estimate = estimates[share] / n if n else None
        intervals[share] = Interval(estimate, low, high, level, METHOD)
    return SequentialIntervals(
        n,
        n_prompts,
        int(seed),
        intervals["win_share"],
        intervals["tie_share"],
        intervals["loss_share"],
        intervals["win_or_tie_share"],
        intervals["win_rate"],
    )


def _intersect(low: float, high: float, prev_low: float, prev_high: float) -> tuple[float, float]:
    new_low, new_high = max(low, prev_low), min(high, prev_high)
    if new_low <= new_high:
        return new_low, new_high
    point = prev_high if low > prev_high else prev_low  # the new interval lies wholly beyond one end
    return point, point


def small_sample_interval(interval: Interval, sequential: Interval, n_prompts: int) -> Interval:
    """The bootstrap's interval, or, with fewer than ``MIN_BOOTSTRAP_PROMPTS`` prompts, the
    betting interval (valid at any number of prompts, and never of zero width from one prompt),
    its method saying why. A percentile bootstrap of one prompt's votes has zero width."""
    if n_prompts >= MIN_BOOTSTRAP_PROMPTS:
        return interval
    method = (
        f"too few prompts for the bootstrap ({n_prompts} < {MIN_BOOTSTRAP_PROMPTS}): "
        "betting confidence interval (Waudby-Smith & Ramdas 2023), prompts as units"
    )
    return Interval(interval.estimate, sequential.low, sequential.high, interval.level, method)
