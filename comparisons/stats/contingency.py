"""Per-prompt contingency tables of two (or three) labellings, and their prompt-clustered bootstrap.

Every agreement figure of ``judge_agreement`` is a function of one contingency table summed over
prompts: who said loss / tie / win against whom. Keeping one table per prompt makes the
prompt-clustered bootstrap cheap: a resample draws P prompts with replacement and sums their
tables (``counts @ tables``, the draws of ``bootstrap.draw_counts``), and the statistic is
evaluated on the (resamples x k x k) batch at once. Votes and items on one prompt are
correlated, so the prompt is the unit (the cluster bootstrap: Davison & Hinkley 1997, §3.8;
Field & Welsh 2007, JASA 102:1049).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike

from ._base import check_level, factorize
from .agreement_counts import item_types, type_weights
from .bootstrap import draw_counts
from .intervals import Interval

TableStatistic = Callable[[np.ndarray], np.ndarray]
MIN_PROMPTS_FOR_KINDS = 200  # below this, drawing prompt indices is cheap (and reproducible by hand)


def label_codes(labels: ArrayLike) -> np.ndarray:
    """-1 / 0 / +1 labels (loss, tie, win; NaN for missing) as codes 0 / 1 / 2 (-1 for missing)."""
    arr = np.asarray(labels, dtype=float)
    if arr.ndim != 1:
        raise ValueError("labels must be one-dimensional")
    present = ~np.isnan(arr)
    if not np.isin(arr[present], (-1.0, 0.0, 1.0)).all():
        raise ValueError("labels must be -1, 0, +1 or NaN")
    return np.where(present, np.nan_to_num(arr) + 1, -1).astype(np.int64)


def prompt_tables(prompts: ArrayLike, *codes: np.ndarray, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(distinct prompt ids, (prompts x k x ... x k) counts) of the items whose codes are all
    present (>= 0): one axis per labelling, an item adds one to its cell of its prompt's table."""
    ids = np.asarray(prompts)
    if not codes or any(np.shape(c) != ids.shape for c in codes):
        raise ValueError("prompts and every labelling must have the same length")
    keep = np.logical_and.reduce([np.asarray(c) >= 0 for c in codes])
    uniq, inv = factorize(ids[keep])
    cell = np.zeros(int(keep.sum()), dtype=np.int64)
    for c in codes:
        cell = cell * k + np.asarray(c)[keep]
    size = k ** len(codes)
    flat = np.bincount(inv * size + cell, minlength=uniq.size * size)
    return uniq, flat.reshape((uniq.size,) + (k,) * len(codes)).astype(float)


def cross_tables(prompts: ArrayLike, a_counts: np.ndarray, b_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per prompt, the (k x k) table of every (vote of group A, vote of group B) pair on the
    same item: the item's outer product a_c b_d, summed over the prompt's items. ``a_counts`` and
    ``b_counts`` are (items x k) label counts; ``prompts`` the item's prompt."""
    a, b = np.asarray(a_counts, dtype=float), np.asarray(b_counts, dtype=float)
    ids = np.asarray(prompts)
    if a.shape != b.shape or a.ndim != 2 or ids.shape != (a.shape[0],):
        raise ValueError("a_counts and b_counts must be (items x k) with one prompt per item")
    uniq, inv = factorize(ids)
    k = a.shape[1]
    out = np.zeros((uniq.size, k * k))
    np.add.at(out, inv, (a[:, :, None] * b[:, None, :]).reshape(-1, k * k))
    return uniq, out.reshape(-1, k, k)


def clustered_table_interval(
    tables: np.ndarray,
    statistic: TableStatistic,
    method: str,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> Interval:
    """Point estimate ``statistic`` of the summed table and the percentile interval (the
    alpha/2 and 1 - alpha/2 quantiles; Efron & Tibshirani 1993, ch. 13) of the statistic over
    prompt resamples. ``statistic`` maps a (batch x table shape) array to (batch,) values, NaN
    where undefined; resamples where it is undefined are skipped. Estimate None (and no
    interval) when the statistic of the whole table is undefined."""
    return clustered_table_intervals(tables, {"value": statistic}, method, n_resamples, level, seed)["value"]


def clustered_table_intervals(
    tables: np.ndarray,
    statistics: Mapping[str, TableStatistic],
    method: str,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> dict[str, Interval]:
    """``clustered_table_interval`` for several statistics of the same tables, from one set of
    prompt resamples (each statistic gets the numbers it would get alone with this seed)."""
    level = check_level(level)
    t = np.asarray(tables, dtype=float)
    shape = t.shape[1:]
    total = t.sum(axis=0)[None]
    label = f"prompt-clustered percentile bootstrap of {method}"
    points = {name: _finite(stat(total)[0]) for name, stat in statistics.items()}
    if t.shape[0] == 0 or all(p is None for p in points.values()):
        return {name: Interval(p, None, None, level, label) for name, p in points.items()}
    resampled = resample_tables(t.reshape(t.shape[0], -1), n_resamples, np.random.default_rng(seed))
    batch = resampled.reshape((n_resamples,) + shape)
    alpha = 1.0 - level
    out = {}
    for name, stat in statistics.items():
        values = stat(batch)
        values = values[np.isfinite(values)]
        point = points[name]
        if point is None or values.size == 0:
            out[name] = Interval(point, None, None, level, label)
            continue
        lo, hi = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
        out[name] = Interval(point, float(lo), float(hi), level, label)
    return out


def resample_tables(flat: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(n_resamples x cells) sums of P prompt tables (rows of ``flat``) drawn with replacement.

    When the prompts' tables take few distinct values (at most a quarter of P, as small counts
    do), a resample only needs how many of its P draws fell on each kind of table: a
    multinomial draw over the kinds with their frequencies (``agreement_counts.type_weights``),
    exact in distribution and O(B x kinds) instead of O(B x P). Otherwise the prompt indices are
    drawn (``bootstrap.draw_counts``, the stream of ``rng.integers(0, P, (B, P))``)."""
    p = flat.shape[0]
    kinds, mult = item_types(flat) if p >= MIN_PROMPTS_FOR_KINDS else (flat, np.ones(p, dtype=np.int64))
    if p >= MIN_PROMPTS_FOR_KINDS and 4 * kinds.shape[0] <= p:
        out: np.ndarray = type_weights(mult, n_resamples, rng) @ kinds
        return out
    resampled = np.empty((n_resamples, flat.shape[1]))
    for start, counts in draw_counts(p, n_resamples, rng):
        resampled[start : start + counts.shape[0]] = counts @ flat
    return resampled


def _finite(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
