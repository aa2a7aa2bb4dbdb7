"""Bootstrap intervals for Bradley-Terry Elo scores and the ranks they imply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ._base import AsDict, as_outcomes, check_level, factorize
from .bootstrap import draw_counts
from .multinomial import multinomial_chunks
from .ranking import bradley_terry, pair_cells, pair_counts_matrices, ranks_from_intervals
from .ranking_batch import elo_scores, fit_batch

_CHUNK_CELLS = 1 << 17


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
    first: np.ndarray | list[int],
    second: np.ndarray | list[int],
    outcomes: np.ndarray | list[int],
    names: list[str],
    cluster_ids: np.ndarray | list[Any] | None = None,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
    prior: float = 0.01,
    method: str = "mm",
) -> RankingIntervals:
    """Percentile bootstrap of Bradley-Terry Elo scores (ties as half).

    Each resample draws units with replacement - votes, or whole clusters (e.g. prompts)
    when ``cluster_ids`` is given - and refits ``bradley_terry`` on the reweighted wins and
    ties. The interval per system is the (alpha/2, 1 - alpha/2) quantiles of its Elo over
    resamples (Chatbot Arena uses 1000 vote resamples; Chiang et al. 2024). Ranks follow
    ``ranks_from_intervals``. ``prior`` (default 0.01) keeps resamples where a system never
    wins finite.

    Votes are first collapsed to cells: the unordered pair of systems and the outcome from
    its lower index's side, so (a, b, a wins) and (b, a, b loses) are one cell - half the
    (model_a, model_b, outcome) rows Chatbot Arena resamples over (3 k (k - 1) / 2 at most
    instead of 3 k (k - 1)). Sums of multinomial cells are multinomial with the summed
    probabilities, and the likelihood (ties as half) depends on the votes only through the
    merged counts, so drawing over the merged cells is exactly resampling votes, with half
    the draws. Resampling votes draws Multinomial(n, cell counts / n) per resample
    (``multinomial.multinomial_chunks``: the same distribution as drawing votes one by one,
    drawn from Poisson variates); resampling clusters draws ``rng.integers(0, C, C)`` per
    resample and sums the per-cluster cell counts by a matrix product. The resamples are
    then fitted a chunk at a time (``ranking_batch.fit_batch``: ``method="mm"`` equals
    ``bradley_terry`` bit for bit; ``"newton"`` is faster for dozens of systems and agrees
    to the MM tolerance).
    """
    level = check_level(level)
    a, b = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    out = as_outcomes(outcomes)
    k = len(names)
    cell = pair_cells(a, b, out, k)
    tally = np.bincount(cell, minlength=3 * k * k).reshape(-1, 3)  # per pair lo * k + hi
    pairs = np.flatnonzero(tally.any(axis=1))
    wins, ties = pair_counts_matrices(pairs, tally[pairs].astype(float), k)
    point = bradley_terry(wins, ties, names, prior=prior, tol=1e-8)
    rng = np.random.default_rng(seed)
    unit = "votes" if cluster_ids is None else "clusters"
    chunk = max(1, _CHUNK_CELLS // (k * k))  # resamples fitted together: arrays that stay in cache
    if cluster_ids is None:
        drawn = multinomial_chunks(tally[pairs].T.ravel(), n_resamples, rng, chunk)
    else:
        weights = _cluster_weights(np.asarray(cluster_ids), cell, pairs, k, n_resamples, rng)
        drawn = (weights[i : i + chunk] for i in range(0, n_resamples, chunk))
    start = (np.asarray(point.elo) - 1000.0) * np.log(10.0) / 400.0  # log-strengths of the full-data fit
    samples = np.empty((n_resamples, k))
    done = 0
    for counts in drawn:
        eff = _effective_wins(pairs, counts.reshape(counts.shape[0], 3, pairs.size), k, prior)
        if prior == 0:
            for matrix in eff:  # raises as bradley_terry would
                bradley_terry(matrix, prior=0.0, max_iter=1)
        samples[done : done + eff.shape[0]] = elo_scores(fit_batch(eff, method, tol=1e-8, start=start))
        done += eff.shape[0]
    alpha = 1.0 - level
    lo, hi = np.quantile(samples, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
    return RankingIntervals(
        names=list(point.names),
        elo=point.elo,
        low=[float(v) for v in lo],
        high=[float(v) for v in hi],
        rank=ranks_from_intervals(lo, hi),
        level=level,
        n_resamples=int(n_resamples),
        seed=seed,
        method=f"percentile bootstrap of bradley-terry over {unit}",
    )


def _effective_wins(pairs: np.ndarray, weights: np.ndarray, k: int, prior: float) -> np.ndarray:
    """(R x k x k) wins + ties / 2 + prior off the diagonal, from (R x 3 x pairs) resampled
    loss / tie / win counts of the lower index of each pair (the arithmetic of
    ``ranking._prepare``: integer and half-integer sums are exact). The values for i over
    j come from one row of [W + T/2 + prior per pair, L + T/2 + prior per pair, prior, 0]."""
    lo, hi = np.divmod(pairs, k)
    r, _, p = weights.shape
    source = np.empty((r, 2 * p + 2))
    half = np.multiply(weights[:, 1, :], 0.5, out=source[:, p : 2 * p])
    np.add(weights[:, 2, :], half, out=source[:, :p])
    source[:, :p] += prior
    half += weights[:, 0, :]
    half += prior
    source[:, 2 * p], source[:, 2 * p + 1] = prior, 0.0
    position = np.full(k * k, 2 * p)  # a pair never compared: the prior
    position[lo * k + hi], position[hi * k + lo] = np.arange(p), p + np.arange(p)
    position[np.arange(k) * (k + 1)] = 2 * p + 1  # the diagonal: 0
    return np.take(source, position, axis=1).reshape(r, k, k)


def _cluster_weights(
    cluster_ids: np.ndarray,
    cell: np.ndarray,
    pairs: np.ndarray,
    k: int,
    n_resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """(R x 3 pairs) resampled counts of ``pairs``: all losses, then ties, then wins of the
    lower index. Per resample, C clusters drawn with replacement (``bootstrap.draw_counts``:
    ``rng.integers(0, C, C)`` per resample) and counted, times the (C x 3 pairs) table of
    cell counts per cluster (sparse when large). Integer sums, exact in float64."""
    _, inv = factorize(cluster_ids)
    n_units = int(inv.max()) + 1 if inv.size else 0
    position = np.zeros(k * k, dtype=np.int64)
    position[pairs] = np.arange(pairs.size)
    column = cell % 3 * pairs.size + position[cell // 3]
    n_cols = 3 * pairs.size
    weights = np.zeros((n_resamples, n_cols))
    if n_units == 0:
        return weights
    table: np.ndarray | sparse.csr_matrix
    if n_units * n_cols <= 20_000_000:
        table = np.bincount(inv * n_cols + column, minlength=n_units * n_cols).reshape(n_units, n_cols).astype(float)
    else:
        table = sparse.csr_matrix((np.ones(cell.size), (inv, column)), shape=(n_units, n_cols))
    for start, counts in draw_counts(n_units, n_resamples, rng):
        weights[start : start + counts.shape[0]] = (
            counts @ table if isinstance(table, np.ndarray) else (table.T @ counts.T).T
        )
    return weights
