"""The sequential part of a pair's results (pure): anytime-valid intervals, whether the pair has
settled under the study's stopping rules, and the votes it still needs.

State carried from one look to the next (the last default results): each pair's sequential
intervals (intersected in, so they never widen) and its settlement (final once made)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from comparisons import stats
from comparisons.stats.sequential import MIN_BOOTSTRAP_PROMPTS, SHARES, prompt_observations
from comparisons.stats.stopping import StoppingRules, read_verdict, rule_met, votes_to_settle


@dataclass(frozen=True)
class SequentialContext:
    """What the pure computation needs beyond the votes: the rules, the design, the last look."""

    rules: StoppingRules = field(default_factory=StoppingRules)
    votes_per_prompt: int = 3
    comparisons: dict[str, int] = field(default_factory=dict)  # pair key -> comparisons built
    previous: dict[str, dict[str, Any]] = field(default_factory=dict)  # pair key -> intervals.sequential
    settled: dict[str, dict[str, Any]] = field(default_factory=dict)  # pair key -> settled


def pair_key(first: int, second: int) -> str:
    """Comparison.pair_key of a pair of system ids: "low:high"."""
    return f"{min(first, second)}:{max(first, second)}"


def sequential_pair(
    *,
    key: str,
    names: tuple[str, str],
    prompt_ids: np.ndarray,
    outcomes: np.ndarray,
    order_keys: np.ndarray,
    level: float,
    seed: int,
    ctx: SequentialContext,
) -> dict[str, Any]:
    """{"sequential": intervals, "settled": dict or None, "need": dict} for one pair."""
    before = ctx.previous.get(key) or {}
    previous = {s: before[s] for s in SHARES if isinstance(before.get(s), dict)}
    m = max(int(ctx.votes_per_prompt), 1)
    seq = stats.sequential_intervals(
        prompt_ids, outcomes, level, seed, previous=previous or None, votes_per_prompt=m, order_keys=order_keys
    )
    settled = ctx.settled.get(key)
    win_rate = seq.win_rate
    low, high = float(win_rate.low or 0.0), float(win_rate.high if win_rate.high is not None else 1.0)
    if settled is None:
        rule = rule_met(ctx.rules, low, high, int(outcomes.size)) if ctx.rules.any else None
        if rule is not None:
            winner, sentence = read_verdict(low, high, names[0], names[1])
            settled = {
                "at": None,
                "rule": rule,
                "verdict": sentence,
                "winner": winner,
                "win_rate": {"estimate": win_rate.estimate, "low": low, "high": high},
                "votes": int(outcomes.size),
                "prompts": seq.n_prompts,
            }
    if settled is not None:
        need: dict[str, Any] = {"votes": 0, "prompts": 0, "settles_within_design": True, "rule": settled["rule"]}
    else:
        observations = prompt_observations(prompt_ids, outcomes, seed, m, order_keys)["win_rate"]
        variance = float(observations.var()) if observations.size > 1 else 0.25
        left = max(ctx.comparisons.get(key, 0) * m - int(outcomes.size), 0)
        need = votes_to_settle(
            ctx.rules, win_rate.estimate, low, high, seq.n_prompts, variance, m, int(outcomes.size), left, level
        ).as_dict()
    return {"sequential": seq.as_dict(), "settled": settled, "need": need}


def small_sample_bootstrap(
    boot: dict[str, Any], prompt_ids: np.ndarray, outcomes: np.ndarray, level: float, seed: int
) -> dict[str, Any]:
    """The bootstrap's section with its intervals replaced by the betting interval over all
    prompts when there are fewer than ``MIN_BOOTSTRAP_PROMPTS`` (see stats.sequential)."""
    n_prompts = int(boot.get("n_prompts") or 0)
    if n_prompts >= MIN_BOOTSTRAP_PROMPTS:
        return boot
    honest = stats.sequential_intervals(prompt_ids, outcomes, level, seed)
    out = dict(boot)
    for share in SHARES:
        interval = stats.Interval(**boot[share])
        out[share] = stats.small_sample_interval(interval, honest.interval(share), n_prompts).as_dict()
    out["small_sample"] = True
    return out


def whole_votes(
    turn: np.ndarray | None, index: np.ndarray, prompt_ids: np.ndarray, outcomes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prompt ids, outcomes, order keys) with one entry per vote: in a per-turn study (`turn`
    given: the table's turns) a vote's turns, which follow each other from turn 0, become one
    outcome, the side that won more of its turns (as many: a tie), so that the sequential
    intervals, the stopping rules and the votes still needed count votes, as the design's
    `votes_per_comparison` does. Otherwise the entries unchanged (order keys: `index`)."""
    if turn is None or not index.size:
        return prompt_ids, outcomes, index
    starts = np.flatnonzero(turn[index] == 0)
    sums = np.add.reduceat(outcomes, starts) if starts.size else np.zeros(0, dtype=np.int64)
    return prompt_ids[starts], np.sign(sums).astype(np.int64), index[starts]
