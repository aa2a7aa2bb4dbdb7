"""Agreement statistics and their item bootstrap from per-item label counts.

Krippendorff's alpha, Fleiss' kappa and LIMA's tie-discounted accuracy depend on the data
only through each item's counts of every label, and they are sums over items. Items with the
same counts are interchangeable, so an item bootstrap (draw n items with replacement) only
decides how many items of each distinct kind ("type") a resample holds: multinomial counts
N ~ Multinomial(n, n_t / n) over the T types (the same distribution as drawing items one by
one). Every resample is then one row of a matrix product over T types instead of n items:
with three raters per comparison there are at most 10 types, whatever the number of items.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import check_level, opt_float
from .intervals import Interval


def item_types(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of an (items x columns) table and how many items have each."""
    arr = np.asarray(rows, dtype=float)
    if arr.shape[0] == 0:
        return arr, np.zeros(0, dtype=np.int64)
    halves = arr * 2.0  # counts, and tie credits in halves, are small non-negative integers
    radix = halves.max(axis=0) + 1 if np.isfinite(halves).all() else np.array([np.inf])
    if (halves >= 0).all() and (halves == np.round(halves)).all() and np.prod(radix) <= 2**22:
        ints, radix = halves.astype(np.int64), radix.astype(np.int64)
        place = np.concatenate([[1], np.cumprod(radix[::-1])[:-1]])[::-1]  # mixed radix
        mult = np.bincount(ints @ place, minlength=int(np.prod(radix)))
        codes = np.flatnonzero(mult)
        return (codes[:, None] // place % radix) / 2.0, mult[codes]
    types, mult = np.unique(arr, axis=0, return_counts=True)
    return types, mult


def type_weights(mult: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(n_resamples x types) counts of each type among n = sum(mult) items drawn with
    replacement: ``rng.multinomial(n, mult / n)`` per resample."""
    n = int(mult.sum())
    return rng.multinomial(n, mult / n, size=n_resamples).astype(float)


def percentile_interval(values: np.ndarray, estimate: float | None, level: float, method: str) -> Interval:
    """(alpha/2, 1 - alpha/2) quantiles of the finite values; no interval if none is."""
    values = values[np.isfinite(values)]
    if estimate is None or values.size == 0:
        return Interval(estimate, None, None, level, method)
    alpha = 1.0 - level
    lo, hi = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
    return Interval(float(estimate), float(lo), float(hi), level, method)


def coincidences(counts: np.ndarray) -> np.ndarray:
    """Per item, its (categories x categories) coincidence contribution
    (c_u c_u^T - diag(c_u)) / (m_u - 1), for items with m_u >= 2 values (Krippendorff 2011)."""
    c = np.asarray(counts, dtype=float)
    m = c.sum(axis=1)
    scaled = c / (m - 1)[:, None]
    o = scaled[:, :, None] * c[:, None, :]
    k = c.shape[1]
    o[:, np.arange(k), np.arange(k)] -= scaled
    result: np.ndarray = o
    return result


def alpha_from_coincidences(o: np.ndarray, level: str) -> np.ndarray:
    """Krippendorff's alpha for a batch of (R x k x k) coincidence matrices, values in
    their order (categories with no values change nothing); NaN where undefined."""
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    k = n_c.shape[1]
    if level == "nominal":
        d = np.broadcast_to(1.0 - np.eye(k), o.shape)
    elif level == "ordinal":
        cum = np.concatenate([np.zeros((n_c.shape[0], 1)), np.cumsum(n_c, axis=1)], axis=1)
        i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        d = (cum[:, hi + 1] - cum[:, lo] - (n_c[:, :, None] + n_c[:, None, :]) / 2.0) ** 2
    else:
        raise ValueError("level must be 'nominal' or 'ordinal'")
    expected = (n_c[:, :, None] * n_c[:, None, :] * d).sum(axis=(1, 2))
    observed = (o * d).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1) * observed / expected, np.nan)


def bootstrap_krippendorff_counts(
    counts: np.ndarray | list[Any],
    level: str = "nominal",
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> Interval:
    """Item bootstrap of Krippendorff's alpha from an (items x categories) count table
    (items with fewer than two values are left out, as in the statistic). Each resample's
    coincidence matrix is N @ (per-type coincidences); resamples where alpha is undefined
    are skipped; percentile interval."""
    return bootstrap_krippendorff_levels(counts, (level,), n_resamples, confidence, seed)[0]


def bootstrap_krippendorff_levels(
    counts: np.ndarray | list[Any],
    levels: tuple[str, ...] = ("nominal", "ordinal"),
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> list[Interval]:
    """``bootstrap_krippendorff_counts`` for several levels of measurement at once: the
    resamples (and so the coincidence matrices) depend only on the counts and the seed, so
    they are drawn once and every level gets the numbers it would get alone. The estimate
    is alpha of the full data's coincidence matrix, summed over types (the items' sum in
    another order: ``krippendorff_alpha_counts`` to rounding)."""
    confidence = check_level(confidence)
    for level in levels:
        if level not in ("nominal", "ordinal"):
            raise ValueError("level must be 'nominal' or 'ordinal'")
    c = np.asarray(counts, dtype=float)
    c = c[c.sum(axis=1) >= 2]
    methods = [f"item bootstrap of krippendorff {level}" for level in levels]
    if c.shape[0] == 0:
        return [Interval(None, None, None, confidence, m) for m in methods]
    types, mult = item_types(c)
    k = c.shape[1]
    per_type = coincidences(types).reshape(len(types), k * k)
    full = (mult.astype(float) @ per_type).reshape(1, k, k)
    estimates = [opt_float(alpha_from_coincidences(full, level)[0]) for level in levels]
    if all(e is None for e in estimates):
        return [Interval(None, None, None, confidence, m) for m in methods]
    weights = type_weights(mult, n_resamples, np.random.default_rng(seed))
    o = (weights @ per_type).reshape(-1, k, k)
    return [
        Interval(None, None, None, confidence, m)
        if e is None
        else percentile_interval(alpha_from_coincidences(o, level), e, confidence, m)
        for level, e, m in zip(levels, estimates, methods, strict=True)
    ]
