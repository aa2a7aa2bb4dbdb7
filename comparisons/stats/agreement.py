"""Inter-rater agreement on pairwise labels.

Ratings come as a (raters x items) float matrix with NaN where a rater did not label the
item. For preference labels use -1 (loss / B better), 0 (tie), +1 (win / A better).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from ._base import AsDict, check_level, opt_float
from .intervals import Interval


@dataclass(frozen=True)
class Agreement(AsDict):
    value: float | None  # None when undefined (no shared items, or no expected disagreement)
    n_items: int
    method: str


def _matrix(data: np.ndarray | list[Any]) -> np.ndarray:
    arr = np.asarray(data, dtype=float)
    if arr.ndim != 2:
        raise ValueError("ratings must be a (raters x items) matrix")
    return arr


def tie_discounted_accuracy(data: np.ndarray | list[Any], tie: float = 0) -> Agreement:
    """LIMA's agreement score between raters on items they both labelled.

    For every pair of raters and every item both labelled: 1 if the labels agree, 0.5 if
    exactly one of them is a tie, 0 otherwise (one says A, the other B). The score is the
    mean over all such (rater pair, item) instances. Source: Zhou et al. (2023), LIMA, §4.1
    ("tie-discounted accuracy"). ``n_items`` counts the (pair, item) instances.
    """
    arr = _matrix(data)
    scores: list[np.ndarray] = []
    for r, s in combinations(range(arr.shape[0]), 2):
        a, b = arr[r], arr[s]
        shared = ~np.isnan(a) & ~np.isnan(b)
        a, b = a[shared], b[shared]
        one_tie = (a == tie) ^ (b == tie)
        scores.append(np.where(a == b, 1.0, np.where(one_tie, 0.5, 0.0)))
    allscores = np.concatenate(scores) if scores else np.zeros(0)
    value = float(allscores.mean()) if allscores.size else None
    return Agreement(value, int(allscores.size), "tie-discounted accuracy")


def cohens_kappa_table(table: np.ndarray | list[Any]) -> Agreement:
    """Cohen's kappa from a square contingency table (rater 1 rows, rater 2 columns).

    p_o = trace/N, p_e = sum_c row_c * col_c / N^2, kappa = (p_o - p_e) / (1 - p_e).
    Source: Cohen (1960), Educ. Psychol. Meas. 20:37; as statsmodels
    ``inter_rater.cohens_kappa(table).kappa``. None when N = 0 or p_e = 1.
    """
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise ValueError("table must be square")
    n = t.sum()
    if n == 0:
        return Agreement(None, 0, "cohen")
    po = np.trace(t) / n
    pe = float((t.sum(axis=1) * t.sum(axis=0)).sum() / n**2)
    value = None if np.isclose(pe, 1.0) else float((po - pe) / (1.0 - pe))
    return Agreement(value, int(n), "cohen")


def cohens_kappa(
    a: np.ndarray | list[Any], b: np.ndarray | list[Any], categories: list[Any] | None = None
) -> Agreement:
    """Cohen's kappa for two raters' label arrays (items where either is NaN are dropped).

    ``categories`` defaults to the labels observed in either array; see
    ``cohens_kappa_table`` for the formula.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError("a and b must have the same length")
    keep = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[keep], y[keep]
    if categories is None:
        cats = np.unique(np.concatenate([x, y]))
    else:
        cats = np.sort(np.asarray(categories, dtype=float))
        if not (np.isin(x, cats).all() and np.isin(y, cats).all()):
            raise ValueError("a label is not among the categories")
    xi, yi = np.searchsorted(cats, x), np.searchsorted(cats, y)
    table = np.zeros((cats.size, cats.size))
    np.add.at(table, (xi, yi), 1)
    return cohens_kappa_table(table)


def category_table(data: np.ndarray | list[Any], categories: list[Any] | None = None) -> np.ndarray:
    """(items x categories) counts of how many raters gave each label (NaN ignored)."""
    arr = _matrix(data)
    cats = np.unique(arr[~np.isnan(arr)]) if categories is None else np.sort(np.asarray(categories, float))
    return np.stack([(arr == c).sum(axis=0) for c in cats], axis=1)


def fleiss_kappa(table: np.ndarray | list[Any], weights: np.ndarray | list[Any] | None = None) -> Agreement:
    """Fleiss' kappa from an (items x categories) count table; every item needs the same
    number of ratings n >= 2 (unequal counts raise ValueError: use Krippendorff's alpha).
    ``weights``: how many items each row stands for (default one each), e.g. the distinct
    rows of a large table with their multiplicities.

    P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P_bar = mean P_i, p_j = sum_i n_ij / (N n),
    P_e = sum_j p_j^2, kappa = (P_bar - P_e) / (1 - P_e).
    Source: Fleiss (1971), Psychol. Bull. 76:378; as statsmodels ``fleiss_kappa``.
    None when there are no items or P_e = 1.
    """
    t = np.asarray(table, dtype=float)
    if t.ndim != 2:
        raise ValueError("table must be (items x categories)")
    if t.shape[0] == 0:
        return Agreement(None, 0, "fleiss")
    per_item = t.sum(axis=1)
    n = per_item[0]
    if not np.allclose(per_item, n):
        raise ValueError("Fleiss' kappa needs the same number of ratings on every item")
    if n < 2:
        raise ValueError("Fleiss' kappa needs at least two ratings per item")
    p_i = ((t**2).sum(axis=1) - n) / (n * (n - 1))
    if weights is None:
        p_bar, p_j, n_items = p_i.mean(), t.sum(axis=0) / t.sum(), t.shape[0]
    else:
        w = np.asarray(weights, dtype=float)
        p_bar, p_j, n_items = (w @ p_i) / w.sum(), (w @ t) / (w @ per_item), w.sum()
    pe = float((p_j**2).sum())
    value = None if np.isclose(pe, 1.0) else float((p_bar - pe) / (1.0 - pe))
    return Agreement(value, int(n_items), "fleiss")


def krippendorff_alpha(data: np.ndarray | list[Any], level: str = "nominal") -> Agreement:
    """Krippendorff's alpha for a (raters x items) matrix with NaN for missing.

    Coincidences: o_ck = sum_u (# ordered pairs of values c, k from different raters on
    item u) / (m_u - 1), over items with m_u >= 2 values; n_c = sum_k o_ck, n = sum n_c.
    alpha = 1 - (n - 1) * sum o_ck d_ck / sum n_c n_k d_ck, with d_ck = [c != k] (nominal) or
    (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 (ordinal, values in their numeric order, e.g.
    loss < tie < win). Source: Krippendorff (2011), "Computing Krippendorff's alpha-
    reliability"; as the ``krippendorff`` package's ``alpha``. None when undefined.
    """
    if level not in ("nominal", "ordinal"):
        raise ValueError("level must be 'nominal' or 'ordinal'")
    arr = _matrix(data)
    return krippendorff_alpha_counts(category_table(arr), level)


def krippendorff_alpha_counts(counts: np.ndarray | list[Any], level: str = "nominal") -> Agreement:
    """``krippendorff_alpha`` from an (items x values) count table, values in their order
    (a value column nobody used changes nothing)."""
    if level not in ("nominal", "ordinal"):
        raise ValueError("level must be 'nominal' or 'ordinal'")
    table = np.asarray(counts, dtype=float)
    m = table.sum(axis=1)
    table = table[m >= 2]
    m = m[m >= 2]
    if table.size == 0:
        return Agreement(None, 0, f"krippendorff {level}")
    o = np.einsum("uc,uk->ck", table / (m - 1)[:, None], table)
    o -= np.diag((table / (m - 1)[:, None]).sum(axis=0))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    k = n_c.size
    if level == "nominal":
        d = 1.0 - np.eye(k)
    else:
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        lo, hi = np.minimum.outer(np.arange(k), np.arange(k)), np.maximum.outer(np.arange(k), np.arange(k))
        d = (cum[hi + 1] - cum[lo] - (n_c[:, None] + n_c[None, :]) / 2.0) ** 2
    expected = float((np.outer(n_c, n_c) * d).sum())
    value = None if expected == 0 else float(1.0 - (n - 1) * (o * d).sum() / expected)
    return Agreement(value, int(table.shape[0]), f"krippendorff {level}")


def bootstrap_agreement(
    data: np.ndarray | list[Any],
    statistic: Callable[[np.ndarray], Agreement],
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> Interval:
    """Percentile bootstrap interval for an agreement statistic, resampling items.

    Columns (items) of the (raters x items) matrix are drawn with replacement; the statistic
    is recomputed on each resample; resamples where it is undefined are skipped. The
    interval is the (alpha/2, 1 - alpha/2) quantiles (Efron & Tibshirani 1993, ch. 13).
    ``statistic`` is e.g. ``tie_discounted_accuracy`` or
    ``lambda d: krippendorff_alpha(d, "ordinal")``.
    """
    level = check_level(level)
    arr = _matrix(data)
    est = statistic(arr)
    method = f"item bootstrap of {est.method}"
    if arr.shape[1] == 0 or est.value is None:
        return Interval(est.value, None, None, level, method)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        v = statistic(arr[:, rng.integers(0, arr.shape[1], arr.shape[1])]).value
        if v is not None:
            values.append(v)
    if not values:
        return Interval(est.value, None, None, level, method)
    alpha = 1.0 - level
    lo, hi = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
    return Interval(opt_float(est.value), float(lo), float(hi), level, method)
