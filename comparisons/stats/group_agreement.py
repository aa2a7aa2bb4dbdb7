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

import numpy as np

from ._base import check_level
from .agreement import Agreement
from .intervals import Interval


def _counts(table: np.ndarray | list) -> np.ndarray:
    arr = np.asarray(table, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError("counts must be an (items x 3) table: loss, tie, win")
    return arr


def _pair_sums(a: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per item: agreement credit (agree + 0.5 one-tie) and number of rater pairs."""
    if b is None:
        m = a.sum(axis=1)
        agree = (a * (a - 1) / 2).sum(axis=1)
        one_tie = a[:, 1] * (a[:, 0] + a[:, 2])
        return agree + 0.5 * one_tie, m * (m - 1) / 2
    agree = (a * b).sum(axis=1)
    one_tie = a[:, 1] * (b[:, 0] + b[:, 2]) + b[:, 1] * (a[:, 0] + a[:, 2])
    return agree + 0.5 * one_tie, a.sum(axis=1) * b.sum(axis=1)


def tie_discounted_accuracy_counts(a: np.ndarray | list, b: np.ndarray | list | None = None) -> Agreement:
    """Tie-discounted accuracy within group ``a`` (``b`` None) or between ``a`` and ``b``;
    rows are items, columns the counts of loss, tie, win labels. ``n_items`` counts the
    (rater pair, item) instances, as in the pairwise version."""
    a = _counts(a)
    credit, pairs = _pair_sums(a, None if b is None else _counts(b))
    total = float(pairs.sum())
    return Agreement(None if total == 0 else float(credit.sum() / total), int(total), "tie-discounted accuracy")


def bootstrap_tie_discounted_accuracy(
    a: np.ndarray | list, b: np.ndarray | list | None = None, n_resamples: int = 2000,
    level: float = 0.95, seed: int | None = 0,
) -> Interval:
    """Percentile bootstrap over items (vectorized: each resample reweights items by how
    often they were drawn)."""
    level = check_level(level)
    a = _counts(a)
    credit, pairs = _pair_sums(a, None if b is None else _counts(b))
    keep = pairs > 0
    credit, pairs = credit[keep], pairs[keep]
    method = "item bootstrap of tie-discounted accuracy"
    if pairs.size == 0:
        return Interval(None, None, None, level, method)
    estimate = float(credit.sum() / pairs.sum())
    rng = np.random.default_rng(seed)
    n = pairs.size
    values = np.empty(n_resamples)
    chunk = max(1, 2_000_000 // n)
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        draws = rng.integers(0, n, (size, n))
        values[start : start + size] = credit[draws].sum(axis=1) / pairs[draws].sum(axis=1)
    alpha = 1.0 - level
    lo, hi = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
    return Interval(estimate, float(lo), float(hi), level, method)
