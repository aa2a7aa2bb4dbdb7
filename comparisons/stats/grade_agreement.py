"""Agreement between raters on an ordered grade scale, and each rater's severity.

Inputs are flat arrays, one entry per vote: ``item_ids`` (the thing graded: one id per
(prompt, system), or per (conversation turn, system) for dialogues), ``rater_ids`` and
``grades`` (0 .. n_levels - 1, in the scale's order). See ``grades`` for the rest of the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

from ._base import AsDict, factorize
from .agreement import Agreement, krippendorff_alpha_counts
from .grades import _codes
from .intervals import Interval


@dataclass(frozen=True)
class RaterPairKappa(AsDict):
    rater_a: Any
    rater_b: Any
    n_items: int  # items both graded
    kappa: float | None
    weights: str


@dataclass(frozen=True)
class RaterSeverity(AsDict):
    """``severity.estimate`` = mean over the rater's items of (the other raters' mean grade on
    the item - this rater's grade), in grade steps: > 0 harsher than the others, < 0 more
    lenient. ``n_items``: the rater's items that someone else graded too."""

    rater: Any
    n_items: int
    severity: Interval


def _weights(n_levels: int, weights: str) -> np.ndarray:
    i = np.arange(n_levels)
    dist: np.ndarray = np.abs(i[:, None] - i[None, :]) / (n_levels - 1)
    if weights == "linear":
        return dist
    if weights == "quadratic":
        return np.asarray(dist * dist)
    if weights == "none":
        return np.asarray(dist > 0, dtype=float)
    raise ValueError("weights must be 'linear', 'quadratic' or 'none'")


def weighted_kappa(a: Any, b: Any, n_levels: int, weights: str = "quadratic") -> Agreement:
    """Cohen's weighted kappa of two raters' grades on the same items (a[i], b[i] on item i).

    With O the observed n_levels x n_levels table of proportions, E the outer product of its
    margins, and disagreement weights w_jk = |j - k|/(K - 1) ("linear") or its square
    ("quadratic"; "none" gives Cohen's unweighted kappa): kappa_w = 1 - sum w O / sum w E.
    Source: Cohen (1968), Psychol. Bull. 70:213; as sklearn ``cohen_kappa_score(weights=...)``
    and statsmodels ``cohens_kappa(table, wt=...)``. None without items, or when the
    expected disagreement is 0 (both raters always gave one and the same grade)."""
    x, y = _codes(a, n_levels), _codes(b, n_levels)
    if x.shape != y.shape:
        raise ValueError("a and b must have the same length")
    method = f"cohen weighted ({weights})"
    w = _weights(n_levels, weights)
    if x.size == 0:
        return Agreement(None, 0, method)
    table = np.zeros((n_levels, n_levels))
    np.add.at(table, (x, y), 1.0)
    table /= x.size
    expected = float((w * np.outer(table.sum(axis=1), table.sum(axis=0))).sum())
    value = None if expected <= 1e-15 else 1.0 - float((w * table).sum()) / expected
    return Agreement(value, int(x.size), method)


def _votes(item_ids: Any, rater_ids: Any, grades: Any, n_levels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g = _codes(grades, n_levels)
    items, raters = np.asarray(item_ids), np.asarray(rater_ids)
    if items.shape != g.shape or raters.shape != g.shape:
        raise ValueError("item_ids, rater_ids and grades must have the same length")
    return items, raters, g


def rater_pair_kappas(
    item_ids: Any, rater_ids: Any, grades: Any, n_levels: int, weights: str = "quadratic", min_items: int = 1
) -> list[RaterPairKappa]:
    """``weighted_kappa`` for every pair of raters on the items both graded (pairs sharing
    fewer than ``min_items`` items are left out). Each rater grades an item once (one vote per
    rater and item, as the database keeps it)."""
    items, raters, g = _votes(item_ids, rater_ids, grades, n_levels)
    if g.size == 0:
        return []
    item_keys, item_inv = factorize(items)
    rater_keys, rater_inv = factorize(raters)
    grid = np.full((rater_keys.size, item_keys.size), -1, dtype=np.int64)
    grid[rater_inv, item_inv] = g
    out = []
    for r, s in combinations(range(rater_keys.size), 2):
        both = (grid[r] >= 0) & (grid[s] >= 0)
        if int(both.sum()) < max(1, min_items):
            continue
        kappa = weighted_kappa(grid[r, both], grid[s, both], n_levels, weights)
        out.append(RaterPairKappa(rater_keys[r].item(), rater_keys[s].item(), int(both.sum()), kappa.value, weights))
    return out


def krippendorff_alpha_grades(item_ids: Any, rater_ids: Any, grades: Any, n_levels: int) -> Agreement:
    """Krippendorff's alpha with the ordinal metric over all raters at once (any number of
    raters per item, missing grades allowed; items graded once are not pairable and drop out).
    The grades of each item are counted into an items x n_levels table (every level of the
    scale a column, in order) and passed to ``agreement.krippendorff_alpha_counts``: the
    ordinal distance between grades c <= k is (sum_{g=c..k} n_g - (n_c + n_k)/2)^2.
    Source: Krippendorff (2011), "Computing Krippendorff's alpha-reliability"; as the
    ``krippendorff`` package's ``alpha(level_of_measurement="ordinal")``."""
    items, _, g = _votes(item_ids, rater_ids, grades, n_levels)
    if g.size == 0:
        return Agreement(None, 0, "krippendorff ordinal")
    _, inv = factorize(items)
    table = np.zeros((int(inv.max()) + 1, n_levels))
    np.add.at(table, (inv, g), 1.0)
    return krippendorff_alpha_counts(table, "ordinal")


def rater_severity(
    item_ids: Any, rater_ids: Any, grades: Any, n_levels: int, level: float = 0.95
) -> list[RaterSeverity]:
    """Each rater's severity: on every item the rater graded and at least one other rater
    graded too, d = (mean grade of the other raters on the item) - (this rater's grade); the
    severity is the mean of d over those items, in grade steps (+0.5: half a grade harsher
    than the rest on the same items; -1: a full grade more lenient). The consensus leaves the
    rater out, so a rater cannot agree with themself. The interval is the t interval
    mean +/- t_{n-1} sd/sqrt(n) over the rater's items (items treated as independent; None
    below two items). Raters with no shared item are listed with n_items 0."""
    items, raters, g = _votes(item_ids, rater_ids, grades, n_levels)
    if g.size == 0:
        return []
    _, item_inv = factorize(items)
    rater_keys, rater_inv = factorize(raters)
    total = np.bincount(item_inv, weights=g.astype(float))
    count = np.bincount(item_inv)
    others = count[item_inv] - 1
    shared = others > 0
    d = np.zeros(g.size)
    d[shared] = (total[item_inv][shared] - g[shared]) / others[shared] - g[shared]
    method = "mean of (others' mean grade - own grade) over shared items; t interval"
    out = []
    for r, key in enumerate(rater_keys):
        mine = d[(rater_inv == r) & shared]
        n = int(mine.size)
        estimate = float(mine.mean()) if n else None
        low = high = None
        if n >= 2:
            half = float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, n - 1)) * float(mine.std(ddof=1)) / np.sqrt(n)
            low, high = float(mine.mean() - half), float(mine.mean() + half)
        out.append(RaterSeverity(key.item(), n, Interval(estimate, low, high, level, method)))
    return out
