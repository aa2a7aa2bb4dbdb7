"""Prompt-clustered percentile bootstrap for the shares of one pair of systems.

Votes on one prompt are correlated (same texts, often the same rater pool), so the
resampling unit is the prompt: each resample draws P prompts with replacement and every
drawn prompt brings all of its votes (the cluster bootstrap; Davison & Hinkley 1997, §3.8;
Field & Welsh 2007, JASA 102:1049).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import AsDict, as_outcomes, check_level, factorize
from .intervals import Interval

_CHUNK_CELLS = 1 << 20  # resamples x prompts per chunk: about 8 MB of counts, reused from chunk to chunk


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


def per_prompt_counts(prompt_ids: np.ndarray | list[Any], outcomes: np.ndarray | list[int]) -> np.ndarray:
    """A (prompts x 3) int table of (wins, ties, losses) per distinct prompt id."""
    ids = np.asarray(prompt_ids)
    out = as_outcomes(outcomes)
    if ids.shape != out.shape:
        raise ValueError("prompt_ids and outcomes must have the same length")
    if out.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    _, inv = factorize(ids)
    p = int(inv.max()) + 1
    return np.stack(
        [np.bincount(inv, weights=(out == v), minlength=p).astype(np.int64) for v in (1, 0, -1)],
        axis=1,
    )


def draw_counts(n_units: int, n_resamples: int, rng: np.random.Generator) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (start, counts) chunks: ``counts[r, u]`` = how often unit u was drawn in
    resample ``start + r``, each resample drawing ``n_units`` units with replacement.

    The draws are ``rng.integers(0, n_units, (rows, n_units))`` in chunks of at most
    ``_CHUNK_CELLS`` cells: the same random stream as gathering the drawn rows (int32 and
    int64 draws below 2**31 are the same numbers), so sums ``counts @ table`` equal the sums
    of the drawn rows exactly (integers in float64). Counting row by row keeps the bins
    in cache."""
    chunk = max(1, _CHUNK_CELLS // max(n_units, 1))
    dtype = np.int32 if n_units < 2**31 else np.int64
    for start in range(0, n_resamples, chunk):
        rows = min(chunk, n_resamples - start)
        idx = rng.integers(0, n_units, size=(rows, n_units), dtype=dtype)
        counts = np.empty((rows, n_units))
        for r in range(rows):
            counts[r] = np.bincount(idx[r], minlength=n_units)
        yield start, counts


def resample_totals_many(tables: list[np.ndarray], n_resamples: int, rng: np.random.Generator) -> list[np.ndarray]:
    """(n_resamples x columns) totals over units drawn with replacement, for several
    tables with the same number of rows (units) sharing one set of draws: each resample
    draws P row indices and sums those rows of every table. Cost O(B * P), independent of
    the number of votes; one draw serves every table (e.g. all pairs of a study)."""
    tables = [np.asarray(t, dtype=np.int64) for t in tables]
    p = tables[0].shape[0] if tables else 0
    if any(t.shape[0] != p for t in tables):
        raise ValueError("tables must have the same number of rows")
    totals = [np.zeros((n_resamples, t.shape[1]), dtype=np.int64) for t in tables]
    if p == 0:
        return totals
    stacked = np.concatenate(tables, axis=1).astype(float)
    edges = np.cumsum([0] + [t.shape[1] for t in tables])
    for start, counts in draw_counts(p, n_resamples, rng):
        sums = np.rint(counts @ stacked).astype(np.int64)
        for k, out in enumerate(totals):
            out[start : start + counts.shape[0]] = sums[:, edges[k] : edges[k + 1]]
    return totals


def resample_prompt_totals(table: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(n_resamples x 3) totals of (wins, ties, losses) over prompts drawn with replacement."""
    return resample_totals_many([table], n_resamples, rng)[0]


def _percentile(values: np.ndarray, estimate: float | None, level: float) -> Interval:
    alpha = 1.0 - level
    lo, hi = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
    return Interval(estimate, float(lo), float(hi), level, "percentile bootstrap")


def clustered_bootstrap(
    prompt_ids: np.ndarray | list[Any],
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
    return clustered_bootstraps([(prompt_ids, outcomes)], n_resamples, level, seed)[0]


def clustered_bootstraps(
    samples: list[tuple[np.ndarray | list[Any], np.ndarray | list[int]]],
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> list[ClusteredBootstrap]:
    """``clustered_bootstrap`` of several (prompt_ids, outcomes) samples, e.g. every pair of a
    study; each result equals ``clustered_bootstrap`` on its sample alone. Samples with the
    same number of prompts draw the same indices from the same seed, so they share one set
    of draws (one random stream and one count matrix instead of one per pair)."""
    level = check_level(level)
    if n_resamples < 1:
        raise ValueError("n_resamples must be positive")
    tables = [per_prompt_counts(ids, out) for ids, out in samples]
    results: list[ClusteredBootstrap | None] = [None] * len(tables)
    by_size: dict[int, list[int]] = {}
    for i, table in enumerate(tables):
        if int(table.sum()) == 0:
            empty = Interval(None, 0.0, 1.0, level, "percentile bootstrap")
            results[i] = ClusteredBootstrap(0, 0, n_resamples, seed, empty, empty, empty, empty, empty)
        else:
            by_size.setdefault(table.shape[0], []).append(i)
    for members in by_size.values():
        totals = resample_totals_many([tables[i] for i in members], n_resamples, np.random.default_rng(seed))
        for i, tot in zip(members, totals, strict=True):
            results[i] = _summarise(tables[i], tot.astype(float), n_resamples, level, seed)
    return [r for r in results if r is not None]  # every index is filled above


def _summarise(
    table: np.ndarray, totals: np.ndarray, n_resamples: int, level: float, seed: int | None
) -> ClusteredBootstrap:
    n_votes, n_prompts = int(table.sum()), int(table.shape[0])
    n_b = totals.sum(axis=1)
    w, t, l_ = table.sum(axis=0).astype(float)
    point = {
        "win_share": (w / n_votes, totals[:, 0] / n_b),
        "tie_share": (t / n_votes, totals[:, 1] / n_b),
        "loss_share": (l_ / n_votes, totals[:, 2] / n_b),
        "win_or_tie_share": ((w + t) / n_votes, (totals[:, 0] + totals[:, 1]) / n_b),
        "win_rate": ((w + 0.5 * t) / n_votes, (totals[:, 0] + 0.5 * totals[:, 1]) / n_b),
    }
    iv = {k: _percentile(v, float(est), level) for k, (est, v) in point.items()}
    return ClusteredBootstrap(
        n_votes,
        n_prompts,
        n_resamples,
        seed,
        iv["win_share"],
        iv["tie_share"],
        iv["loss_share"],
        iv["win_or_tie_share"],
        iv["win_rate"],
    )
