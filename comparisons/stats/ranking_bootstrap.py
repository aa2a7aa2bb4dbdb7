"""Bootstrap intervals for Bradley-Terry Elo scores and the ranks they imply."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ._base import AsDict, as_outcomes, check_level, factorize
from .ranking import bradley_terry, pair_matrices, ranks_from_intervals
from .ranking_batch import elo_scores, fit_batch


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
    method: str = "mm",
) -> RankingIntervals:
    """Percentile bootstrap of Bradley-Terry Elo scores (ties as half).

    Each resample draws units with replacement - votes, or whole clusters (e.g. prompts)
    when ``cluster_ids`` is given - and refits ``bradley_terry`` on the reweighted wins and
    ties. The interval per system is the (alpha/2, 1 - alpha/2) quantiles of its Elo over
    resamples (Chatbot Arena uses 1000 vote resamples; Chiang et al. 2024). Ranks follow
    ``ranks_from_intervals``. ``prior`` (default 0.01) keeps resamples where a system never
    wins finite.

    Votes are first collapsed to cells (winner, loser) and (tie, unordered pair). Resampling
    votes draws multinomial counts over the cells (as Chatbot Arena does over its unique
    battle rows; the same distribution as drawing votes one by one); resampling clusters
    draws ``rng.integers(0, C, C)`` per resample and sums the per-cluster cell counts by a
    matrix product. All resamples are then fitted at once (``ranking_batch.fit_batch``:
    ``method="mm"`` equals ``bradley_terry`` bit for bit; ``"newton"`` is faster for dozens
    of systems and agrees to the MM tolerance).
    """
    level = check_level(level)
    a, b = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    out = as_outcomes(outcomes)
    k = len(names)
    wins, ties = pair_matrices(a, b, out, k)
    point = bradley_terry(wins, ties, names, prior=prior, tol=1e-8)
    winner, loser = np.where(out >= 0, a, b), np.where(out >= 0, b, a)
    cell = np.where(out != 0, winner * k + loser, k * k + np.minimum(a, b) * k + np.maximum(a, b))
    rng = np.random.default_rng(seed)
    if cluster_ids is None:
        cells, cell_inv = factorize(cell)
        counts = np.bincount(cell_inv)
        weights = rng.multinomial(out.size, counts / max(out.size, 1), size=n_resamples).astype(float)
        unit = "votes"
    else:
        cells, weights = _cluster_weights(np.asarray(cluster_ids), cell, n_resamples, rng)
        unit = "clusters"
    eff = _effective_wins(cells, weights, k, prior)
    if prior == 0:
        for r in range(n_resamples):  # raises as bradley_terry would
            bradley_terry(eff[r], prior=0.0, max_iter=1)
    start = (np.asarray(point.elo) - 1000.0) * np.log(10.0) / 400.0  # log-strengths of the full-data fit
    samples = elo_scores(fit_batch(eff, method, tol=1e-8, start=start))
    alpha = 1.0 - level
    lo, hi = np.quantile(samples, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
    return RankingIntervals(
        names=list(point.names), elo=point.elo,
        low=[float(v) for v in lo], high=[float(v) for v in hi],
        rank=ranks_from_intervals(lo, hi), level=level, n_resamples=int(n_resamples),
        seed=seed, method=f"percentile bootstrap of bradley-terry over {unit}",
    )


def _effective_wins(cells: np.ndarray, weights: np.ndarray, k: int, prior: float) -> np.ndarray:
    """(R x k x k) wins + ties / 2 + prior off the diagonal, from resampled cell counts
    (the arithmetic of ``ranking._prepare``: integer and half-integer sums are exact)."""
    eff = np.zeros((weights.shape[0], k * k))
    is_win = cells < k * k
    eff[:, cells[is_win]] = weights[:, is_win]
    tie = cells[~is_win] - k * k
    half = 0.5 * weights[:, ~is_win]
    eff[:, tie] += half
    eff[:, tie % k * k + tie // k] += half
    eff = eff.reshape(-1, k, k)
    eff += prior * (1.0 - np.eye(k))
    eff[:, np.arange(k), np.arange(k)] = 0.0
    return eff


def _cluster_weights(
    cluster_ids: np.ndarray, cell: np.ndarray, n_resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Cells and their (R x cells) resampled counts: per resample, C clusters drawn with
    ``rng.integers`` (one call per resample) and counted, times the (C x cells) table of
    cell counts per cluster (sparse when large). Integer sums, exact in float64."""
    _, inv = factorize(cluster_ids)
    n_units = int(inv.max()) + 1 if inv.size else 0
    cells, cell_inv = factorize(cell)
    dense = n_units * cells.size <= 20_000_000
    if dense:
        table = np.bincount(inv * cells.size + cell_inv, minlength=n_units * cells.size)
        table = table.reshape(n_units, cells.size).astype(float)
    else:
        table = sparse.csr_matrix((np.ones(cell.size), (inv, cell_inv)), shape=(n_units, cells.size))
    weights = np.empty((n_resamples, cells.size))
    chunk = max(1, 4_000_000 // max(n_units, 1))
    for start in range(0, n_resamples, chunk):
        rows = min(chunk, n_resamples - start)
        counts = np.empty((rows, n_units))
        for r in range(rows):
            counts[r] = np.bincount(rng.integers(0, max(n_units, 1), n_units), minlength=n_units)
        weights[start : start + rows] = counts @ table if dense else (table.T @ counts.T).T
    return cells, weights
