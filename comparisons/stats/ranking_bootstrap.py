"""Bootstrap intervals for Bradley-Terry Elo scores and the ranks they imply."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._base import AsDict, as_outcomes, check_level
from .ranking import bradley_terry, pair_matrices, ranks_from_intervals


@dataclass(frozen=True)
class RankingIntervals(AsDict):
    """Elo point scores (full data), percentile intervals and interval-respecting ranks."""

    names: list[str]
    elo: list[float]
    low: list[float]
    high: list[float]
    rank: list[int]
    level: float
    n_resamples: int
    seed: int | None
    method: str


def bootstrap_bradley_terry(
    first: np.ndarray | list[int], second: np.ndarray | list[int],
    outcomes: np.ndarray | list[int], names: list[str],
    cluster_ids: np.ndarray | list | None = None,
    n_resamples: int = 1000, level: float = 0.95, seed: int | None = 0, prior: float = 0.01,
) -> RankingIntervals:
    """Percentile bootstrap of Bradley-Terry Elo scores (ties as half).

    Each resample draws units with replacement - votes, or whole clusters (e.g. prompts)
    when ``cluster_ids`` is given - and refits ``bradley_terry`` on the reweighted wins and
    ties. The interval per system is the (alpha/2, 1 - alpha/2) quantiles of its Elo over
    resamples (Chatbot Arena uses 1000 vote resamples; Chiang et al. 2024). Ranks follow
    ``ranks_from_intervals``. ``prior`` (default 0.01) keeps resamples where a system never
    wins finite.
    """
    level = check_level(level)
    a, b = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    out = as_outcomes(outcomes)
    k = len(names)
    wins, ties = pair_matrices(a, b, out, k)
    point = bradley_terry(wins, ties, names, prior=prior, tol=1e-8)
    if cluster_ids is None:
        inv, n_units = np.arange(out.size), out.size
        unit = "votes"
    else:
        _, inv = np.unique(np.asarray(cluster_ids), return_inverse=True)
        n_units = int(inv.max()) + 1 if inv.size else 0
        unit = "clusters"
    rng = np.random.default_rng(seed)
    samples = np.empty((n_resamples, k))
    for r in range(n_resamples):
        counts = np.bincount(rng.integers(0, max(n_units, 1), n_units), minlength=n_units)
        w, t = pair_matrices(a, b, out, k, weights=counts[inv].astype(float))
        samples[r] = bradley_terry(w, t, names, prior=prior, tol=1e-8).elo
    alpha = 1.0 - level
    lo, hi = np.quantile(samples, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
    return RankingIntervals(
        names=list(point.names), elo=point.elo,
        low=[float(v) for v in lo], high=[float(v) for v in hi],
        rank=ranks_from_intervals(lo, hi), level=level, n_resamples=int(n_resamples),
        seed=seed, method=f"percentile bootstrap of bradley-terry over {unit}",
    )
