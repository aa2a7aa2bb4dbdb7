"""LIMA's tie-discounted accuracy from per-item label counts, within or between rater groups.

The pairwise definition (``agreement.tie_discounted_accuracy``) loops over rater pairs; with
a crowd of hundreds of raters that is slow, and the score only depends on how many votes of
each label every item got. For one group with counts n_l, n_t, n_w on an item (m votes):
agreeing pairs = sum_c C(n_c, 2), pairs with exactly one tie = n_t (n_l + n_w), all pairs =
C(m, 2). Between groups A and B: agreeing = sum_c a_c b_c, one tie = a_t (b_l + b_w) +
b_t (a_l + a_w), all = m_a m_b. The score is (agreeing + 0.5 one-tie) / all, summed over
items (Zhou et al. 2023, LIMA, Section 4.1), which equals the pairwise mean over (rater pair,
item) instances exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import check_level
from .agreement import Agreement
from .agreement_counts import item_types, percentile_interval, type_weights
from .intervals import Interval


def _counts(table: np.ndarray | list[Any]) -> np.ndarray:
    arr = np.asarray(table, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError("counts must be an (items x 3) table: loss, tie, win")
    return arr


def _pair_sums(a: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per item: agreement credit (agree + 0.5 one-tie) and number of rater pairs (small
    integers and halves: every sum below is exact)."""
    lo, tie, win = a[:, 0], a[:, 1], a[:, 2]
    if b is None:
        m = lo + tie + win
        agree = (lo * (lo - 1) + tie * (tie - 1) + win * (win - 1)) / 2
        return agree + 0.5 * tie * (lo + win), m * (m - 1) / 2
    b_lo, b_tie, b_win = b[:, 0], b[:, 1], b[:, 2]
    agree = lo * b_lo + tie * b_tie + win * b_win
    one_tie = tie * (b_lo + b_win) + b_tie * (lo + win)
    return agree + 0.5 * one_tie, (lo + tie + win) * (b_lo + b_tie + b_win)


def tie_discounted_accuracy_counts(a: np.ndarray | list[Any], b: np.ndarray | list[Any] | None = None) -> Agreement:
    """Tie-discounted accuracy within group ``a`` (``b`` None) or between ``a`` and ``b``;
    rows are items, columns the counts of loss, tie, win labels. ``n_items`` counts the
    (rater pair, item) instances, as in the pairwise version."""
    a = _counts(a)
    credit, pairs = _pair_sums(a, None if b is None else _counts(b))
    total = float(pairs.sum())
    return Agreement(None if total == 0 else float(credit.sum() / total), int(total), "tie-discounted accuracy")


def bootstrap_tie_discounted_accuracy(
    a: np.ndarray | list[Any],
    b: np.ndarray | list[Any] | None = None,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> Interval:
    """Percentile bootstrap over items. The score is sum(credit) / sum(pairs) over items, so
    a resample only needs how many items of each distinct (credit, pairs) kind it drew:
    multinomial counts over those kinds (``agreement_counts``), exact in distribution."""
    return tie_discounted_accuracy_interval(a, b, n_resamples, level, seed)[1]


def tie_discounted_accuracy_interval(
    a: np.ndarray | list[Any],
    b: np.ndarray | list[Any] | None = None,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> tuple[Agreement, Interval]:
    """``tie_discounted_accuracy_counts`` and ``bootstrap_tie_discounted_accuracy`` in one
    pass over the items."""
    level = check_level(level)
    a = _counts(a)
    credit, pairs = _pair_sums(a, None if b is None else _counts(b))
    keep = pairs > 0
    method = "item bootstrap of tie-discounted accuracy"
    total = float(pairs.sum())
    point = Agreement(None if total == 0 else float(credit.sum() / total), int(total), "tie-discounted accuracy")
    if not keep.any():
        return point, Interval(None, None, None, level, method)
    types, mult = item_types(np.stack([credit[keep], pairs[keep]], axis=1))
    weights = type_weights(mult, n_resamples, np.random.default_rng(seed))
    values = (weights @ types[:, 0]) / (weights @ types[:, 1])
    return point, percentile_interval(values, point.value, level, method)
