"""Prompt-clustered percentile bootstrap for the shares of one pair of systems.

Votes on one prompt are correlated (same texts, often the same rater pool), so the
resampling unit is the prompt: each resample draws P prompts with replacement and every
drawn prompt brings all of its votes (the cluster bootstrap; Davison & Hinkley 1997, §3.8;
Field & Welsh 2007, JASA 102:1049).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import AsDict, as_outcomes, check_level
from .intervals import Interval

_CHUNK_CELLS = 4_000_000  # resamples x prompts per chunk, bounds memory to ~100 MB


@dataclass(frozen=True)
class ClusteredBootstrap(AsDict):
    """Percentile intervals for the five headline shares, resampling prompts."""

    n_votes: int
    n_prompts: int
    n_resamples: int
    seed: int | None
    win_share: Interval
    tie_share: Interval
    loss_share: Interval
    win_or_tie_share: Interval
    win_rate: Interval  # ties as half
    method: str = "prompt-clustered percentile bootstrap"


def per_prompt_counts(
    prompt_ids: np.ndarray | list, outcomes: np.ndarray | list[int]
) -> np.ndarray:
    """A (prompts x 3) int table of (wins, ties, losses) per distinct prompt id."""
    ids = np.asarray(prompt_ids)
    out = as_outcomes(outcomes)
    if ids.shape != out.shape:
        raise ValueError("prompt_ids and outcomes must have the same length")
    if out.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    _, inv = np.unique(ids, return_inverse=True)
    p = int(inv.max()) + 1
    return np.stack(
        [np.bincount(inv, weights=(out == v), minlength=p).astype(np.int64) for v in (1, 0, -1)],
        axis=1,
    )


def resample_prompt_totals(
    table: np.ndarray, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """(n_resamples x 3) totals of (wins, ties, losses) over prompts drawn with replacement.

    Vectorised: per-prompt counts are aggregated first, then each resample draws P prompt
    indices and sums their rows, in chunks to bound memory. Cost is O(B * P), independent
    of the number of votes.
    """
    table = np.asarray(table, dtype=np.int64)
    p = table.shape[0]
    totals = np.empty((n_resamples, 3), dtype=np.int64)
    if p == 0:
        totals[:] = 0
        return totals
    chunk = max(1, _CHUNK_CELLS // p)
    cols = [np.ascontiguousarray(table[:, j]) for j in range(3)]
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        idx = rng.integers(0, p, size=(stop - start, p))
        for j in range(3):
            totals[start:stop, j] = cols[j][idx].sum(axis=1)
    return totals


def _percentile(values: np.ndarray, estimate: float | None, level: float) -> Interval:
    alpha = 1.0 - level
    lo, hi = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
    return Interval(estimate, float(lo), float(hi), level, "percentile bootstrap")


def clustered_bootstrap(
    prompt_ids: np.ndarray | list,
    outcomes: np.ndarray | list[int],
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> ClusteredBootstrap:
    """Percentile intervals resampling prompts (clusters) with replacement.

    For resample b with totals (W_b, T_b, L_b) and N_b = W_b + T_b + L_b, the statistics are
    W_b/N_b, T_b/N_b, L_b/N_b, (W_b+T_b)/N_b and (W_b + T_b/2)/N_b (ratio estimators: prompts
    may carry different numbers of votes). The interval is the (alpha/2, 1 - alpha/2)
    quantiles of the B values (Efron & Tibshirani 1993, ch. 13). ``seed`` feeds
    ``numpy.random.default_rng``; the same seed gives the same intervals.
    With no votes every estimate is None and every interval is [0, 1].
    """
    level = check_level(level)
    if n_resamples < 1:
        raise ValueError("n_resamples must be positive")
    table = per_prompt_counts(prompt_ids, outcomes)
    n_votes, n_prompts = int(table.sum()), int(table.shape[0])
    if n_votes == 0:
        empty = Interval(None, 0.0, 1.0, level, "percentile bootstrap")
        return ClusteredBootstrap(0, 0, n_resamples, seed, empty, empty, empty, empty, empty)
    rng = np.random.default_rng(seed)
    totals = resample_prompt_totals(table, n_resamples, rng).astype(float)
    n_b = totals.sum(axis=1)
    w, t, l_ = table.sum(axis=0).astype(float)
    point = {
        "win_share": (w / n_votes, totals[:, 0] / n_b),
        "tie_share": (t / n_votes, totals[:, 1] / n_b),
        "loss_share": (l_ / n_votes, totals[:, 2] / n_b),
        "win_or_tie_share": ((w + t) / n_votes, (totals[:, 0] + totals[:, 1]) / n_b),
        "win_rate": ((w + 0.5 * t) / n_votes, (totals[:, 0] + 0.5 * totals[:, 1]) / n_b),
    }
    intervals = {k: _percentile(v, float(est), level) for k, (est, v) in point.items()}
    return ClusteredBootstrap(n_votes, n_prompts, n_resamples, seed, **intervals)
