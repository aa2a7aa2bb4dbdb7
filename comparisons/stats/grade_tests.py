"""Is one system graded higher than another on the same prompts? A paired test on cluster means,
with Holm's correction across all pairs of systems (see ``grades`` for the input arrays)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

from ._base import AsDict, factorize
from .grades import _codes
from .significance import holm

METHOD = "Wilcoxon signed-rank on paired {unit} means (zeros dropped)"


@dataclass(frozen=True)
class GradePairTest(AsDict):
    """Two systems on the clusters both were graded on. ``mean_difference`` = mean over those
    clusters of (a's mean score - b's mean score): > 0 means a is graded higher."""

    __test__ = False  # not a pytest test class

    system_a: int
    system_b: int
    n_clusters: int
    mean_difference: float | None
    statistic: float
    p_value: float
    p_holm: float
    reject: bool  # Holm-adjusted p <= alpha
    method: str


def cluster_means(cluster_ids: Any, system_ids: Any, grades: Any, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct clusters, a clusters x systems matrix of mean scores 1..n_levels, NaN where a
    system has no vote on a cluster)."""
    g = _codes(grades, n_levels)
    systems = np.asarray(system_ids, dtype=np.int64)
    clusters = np.asarray(cluster_ids)
    if systems.shape != g.shape or clusters.shape != g.shape:
        raise ValueError("cluster_ids, system_ids and grades must have the same length")
    if g.size == 0:
        return clusters[:0], np.zeros((0, 0))
    distinct, inv = factorize(clusters)
    shape = (distinct.size, int(systems.max()) + 1)
    sums, n = np.zeros(shape), np.zeros(shape)
    np.add.at(sums, (inv, systems), g + 1.0)
    np.add.at(n, (inv, systems), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return distinct, sums / n


def _wilcoxon(d: np.ndarray) -> tuple[float, float]:
    if d.size == 0 or not np.any(d != 0):
        return 0.0, 1.0
    res = stats.wilcoxon(d, zero_method="wilcox")
    return float(res.statistic), float(res.pvalue)


def paired_grade_tests(
    cluster_ids: Any,
    system_ids: Any,
    grades: Any,
    n_levels: int,
    *,
    pairs: list[tuple[int, int]] | None = None,
    alpha: float = 0.05,
    unit: str = "prompt",
) -> list[GradePairTest]:
    """For each pair (a, b) (default: every pair of systems with votes, a < b), the Wilcoxon
    signed-rank test of d_c = mean score of a on cluster c - mean score of b on c, over the
    clusters both were graded on; H0: the d_c are symmetric about 0. Zeros are dropped
    ("wilcox"), ties in |d| get mid-ranks; scipy chooses the exact or normal distribution.
    Source: Wilcoxon (1945); scipy.stats.wilcoxon. Averaging within a cluster first makes the
    cluster the unit, so several raters of one prompt do not count as independent evidence.
    With no non-zero difference p = 1. Holm's step-down adjustment (Holm 1979; as
    statsmodels ``multipletests(method="holm")``) across the pairs controls the chance of
    any false "a is graded differently from b" at ``alpha``."""
    _, means = cluster_means(cluster_ids, system_ids, grades, n_levels)
    present = [s for s in range(means.shape[1]) if np.isfinite(means[:, s]).any()]
    chosen = list(combinations(present, 2)) if pairs is None else [(int(a), int(b)) for a, b in pairs]
    rows = []
    for a, b in chosen:
        if max(a, b) >= means.shape[1]:
            d = np.zeros(0)
        else:
            both = np.isfinite(means[:, a]) & np.isfinite(means[:, b])
            d = means[both, a] - means[both, b]
        statistic, p = _wilcoxon(d)
        rows.append((a, b, d, statistic, p))
    adjusted = holm([r[4] for r in rows], alpha) if rows else None
    out = []
    for i, (a, b, d, statistic, p) in enumerate(rows):
        p_holm = adjusted.adjusted[i] if adjusted else p
        mean_d = float(d.mean()) if d.size else None
        reject = bool(p_holm <= alpha and d.size > 0)
        out.append(GradePairTest(a, b, int(d.size), mean_d, statistic, p, p_holm, reject, METHOD.format(unit=unit)))
    return out


def paired_grade_test(
    cluster_ids: Any, system_ids: Any, grades: Any, n_levels: int, system_a: int, system_b: int, unit: str = "prompt"
) -> GradePairTest:
    """``paired_grade_tests`` for one pair alone (its Holm-adjusted p is its own p)."""
    return paired_grade_tests(cluster_ids, system_ids, grades, n_levels, pairs=[(system_a, system_b)], unit=unit)[0]
