"""Statistics for absolute ratings: each graded unit gets one grade on an ordered scale.

Inputs are flat arrays, one entry per vote: ``cluster_ids`` (the prompt; the conversation for
dialogues), ``system_ids`` (system index), ``rater_ids`` (rater index), ``grades`` (an integer
index into the study's ordered scale of ``n_levels`` labels, 0 = the lowest, e.g. Fail).
See docs/statistics.md ("Absolute ratings").

The API (lazy exports of ``comparisons.stats``):

- ``grade_shares(cluster_ids, system_ids, grades, n_levels, ...) -> list[SystemGrades]``:
  per system, each grade's share and the mean score (grades scored 1..n_levels), each an
  ``Interval`` (``{estimate, low, high, level, method}``) from a bootstrap clustered by
  ``cluster_ids``; with fewer than ``MIN_BOOTSTRAP_CLUSTERS`` clusters, a betting interval.
- ``grade_votes_needed(system_grades, half_width) -> GradeVotePlan``: votes still needed so that
  every grade share's interval has at most that half-width (this module).
- ``paired_grade_test(...)`` / ``paired_grade_tests(...)``: Wilcoxon signed-rank test on
  cluster means of two systems on the same clusters; Holm across all pairs (grade_tests.py).
- ``weighted_kappa``, ``rater_pair_kappas``, ``krippendorff_alpha_grades``,
  ``rater_severity``: agreement and severity of raters (grade_agreement.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from ._base import AsDict, check_level, factorize
from .betting import hedged_interval
from .intervals import Interval
from .multinomial import multinomial_chunks
from .planning import votes_needed
from .sequential import MIN_BOOTSTRAP_PROMPTS, prompt_order

_CHUNK = 1 << 20  # resamples x clusters drawn at once
MIN_BOOTSTRAP_CLUSTERS = MIN_BOOTSTRAP_PROMPTS  # below this, the betting interval (as the pairwise shares)
SHARE_METHOD = (
    "Wilson interval at the effective sample size of a bootstrap clustered by {unit} "
    "(t quantile, {unit}s - 1 degrees of freedom)"
)
MEAN_METHOD = "bootstrap clustered by {unit}: estimate +/- t quantile x bootstrap standard error"
BETTING_METHOD = (
    "too few {unit}s for the bootstrap ({n} < {minimum}): betting confidence interval "
    "(Waudby-Smith & Ramdas 2023), {unit}s as units"
)


@dataclass(frozen=True)
class SystemGrades(AsDict):
    """One system's grades: counts per grade, each grade's share, and the mean score.

    ``shares[g]`` is the share of grade g (index into the scale); ``mean_score`` scores the
    grades 1..n_levels (Fail = 1, Pass = 2, Excellent = 3 on LIMA's scale).
    ``design_effects[g]``: the bootstrap variance of share g over the binomial variance
    p (1 - p) / n (1 when votes behave as independent; None without a bootstrap)."""

    system: int
    n_votes: int
    n_clusters: int
    counts: list[int]
    shares: list[Interval]
    mean_score: Interval
    design_effects: list[float | None]
    small_sample: bool
    n_resamples: int
    seed: int | None
    unit: str


@dataclass(frozen=True)
class GradeVotePlan(AsDict):
    """Votes still needed for every grade share of one system to reach ``half_width``."""

    system: int
    half_width: float
    level: float
    votes_have: int
    votes_needed: int  # in total, the largest over the grades
    votes_still_needed: int
    per_grade: list[int]  # total votes each grade's share needs
    method: str


def _codes(grades: Any, n_levels: int) -> np.ndarray:
    if int(n_levels) < 2:
        raise ValueError("n_levels must be at least 2")
    arr = np.asarray(grades)
    out = arr.astype(np.int64) if arr.size else arr.astype(np.int64).reshape(-1)
    if out.ndim != 1 or (arr.size and not np.array_equal(out, arr)):
        raise ValueError("grades must be a one-dimensional array of integers")
    if out.size and (out.min() < 0 or out.max() >= n_levels):
        raise ValueError(f"grades must lie in 0 .. {n_levels - 1}")
    return out


def cluster_table(cluster_ids: Any, grades: Any, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct cluster ids, a clusters x n_levels table of how many votes gave each grade)."""
    g = _codes(grades, n_levels)
    ids = np.asarray(cluster_ids)
    if ids.shape != g.shape:
        raise ValueError("cluster_ids and grades must have the same length")
    if g.size == 0:
        return ids[:0], np.zeros((0, n_levels), dtype=np.int64)
    distinct, inv = factorize(ids)
    table = np.zeros((distinct.size, n_levels), dtype=np.int64)
    np.add.at(table, (inv, g), 1)
    return distinct, table


@lru_cache(maxsize=256)
def _t_quantile(level: float, df: int) -> float:
    return float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, df))


def wilson_effective(p: float, n_eff: float, q: float) -> tuple[float, float]:
    """Wilson's interval for share p at an effective sample size n_eff with quantile q:
    ``(p + q^2/(2n) -/+ q sqrt(p(1-p)/n + q^2/(4n^2))) / (1 + q^2/n)`` (Wilson 1927). The
    effective sample size and the t quantile follow Korn & Graubard (1998), Survey Methodology
    24:193, who use them with the Clopper-Pearson interval; here with Wilson's."""
    denom = 1.0 + q * q / n_eff
    centre = (p + q * q / (2.0 * n_eff)) / denom
    half = q / denom * float(np.sqrt(p * (1.0 - p) / n_eff + q * q / (4.0 * n_eff * n_eff)))
    low = 0.0 if p <= 0.0 else max(0.0, centre - half)
    high = 1.0 if p >= 1.0 else min(1.0, centre + half)
    return low, high


def _resample_totals(table: np.ndarray, n_resamples: int, seed: int | None) -> np.ndarray:
    """(n_resamples x n_levels) grade counts, each row over P clusters drawn with replacement
    (how often each cluster is drawn: Multinomial(P, 1/P each), ``multinomial.py``), in chunks
    of about a million cells so that many clusters do not need B x P memory at once."""
    p = table.shape[0]
    chunks = multinomial_chunks(
        np.ones(p, dtype=np.int64), n_resamples, np.random.default_rng(seed), max(1, _CHUNK // p)
    )
    return np.concatenate([draws.astype(float) @ table for draws in chunks])


def _betting(values: np.ndarray, distinct: np.ndarray, level: float, seed: int | None) -> tuple[float, float]:
    """Betting interval for the mean of per-cluster values in [0, 1], clusters in a seeded order."""
    keys = distinct.astype(np.int64) if distinct.dtype.kind in "iu" else np.arange(distinct.size)
    order = prompt_order(keys, int(seed or 0))
    return hedged_interval(np.clip(values[order], 0.0, 1.0), 1.0 - level)


def _one_system(
    system: int,
    distinct: np.ndarray,
    table: np.ndarray,
    n_resamples: int,
    level: float,
    seed: int | None,
    unit: str,
) -> SystemGrades:
    n_levels = table.shape[1]
    counts = table.sum(axis=0)
    n, p_clusters = int(counts.sum()), int(table.shape[0])
    scores = np.arange(1, n_levels + 1, dtype=float)
    if n == 0:
        empty = Interval(None, 0.0, 1.0, level, "no votes")
        mean = Interval(None, 1.0, float(n_levels), level, "no votes")
        return SystemGrades(
            system, 0, 0, [0] * n_levels, [empty] * n_levels, mean, [None] * n_levels, True, n_resamples, seed, unit
        )
    shares = counts / n
    mean_score = float(shares @ scores)
    per_cluster = table / table.sum(axis=1, keepdims=True)
    cluster_means = (per_cluster @ scores - 1.0) / (n_levels - 1)
    if p_clusters < MIN_BOOTSTRAP_CLUSTERS:
        method = BETTING_METHOD.format(unit=unit, n=p_clusters, minimum=MIN_BOOTSTRAP_CLUSTERS)
        share_iv: list[Interval] = []
        for g in range(n_levels):
            low, high = _betting(per_cluster[:, g], distinct, level, seed)
            share_iv.append(Interval(float(shares[g]), low, high, level, method))
        low, high = _betting(cluster_means, distinct, level, seed)
        span = n_levels - 1
        mean = Interval(mean_score, 1.0 + span * low, 1.0 + span * high, level, method)
        none: list[float | None] = [None] * n_levels
        return SystemGrades(
            system, n, p_clusters, [int(c) for c in counts], share_iv, mean, none, True, n_resamples, seed, unit
        )
    totals = _resample_totals(table, n_resamples, seed)
    boot_shares = totals / totals.sum(axis=1, keepdims=True)
    inflate = p_clusters / (p_clusters - 1.0)  # the bootstrap variance of a mean is (P - 1)/P of the unbiased one
    q = _t_quantile(level, p_clusters - 1)
    share_iv = []
    deffs: list[float | None] = []
    for g in range(n_levels):
        p = float(shares[g])
        var = float(boot_shares[:, g].var(ddof=1)) * inflate
        if p <= 0.0 or p >= 1.0:
            n_eff = float(p_clusters)  # no spread seen: count each cluster as one vote, not each vote
        elif var <= 0.0:
            n_eff = float(n)
        else:
            n_eff = min(float(n), p * (1.0 - p) / var)
        deffs.append(n / n_eff)
        low, high = wilson_effective(p, n_eff, q)
        share_iv.append(Interval(p, low, high, level, SHARE_METHOD.format(unit=unit)))
    se = float(np.sqrt((boot_shares @ scores).var(ddof=1) * inflate))
    if se > 0.0:
        low, high = max(1.0, mean_score - q * se), min(float(n_levels), mean_score + q * se)
        mean = Interval(mean_score, low, high, level, MEAN_METHOD.format(unit=unit))
    else:  # every cluster the same mean: the bootstrap sees no spread, the betting interval does not claim certainty
        blow, bhigh = _betting(cluster_means, distinct, level, seed)
        span = n_levels - 1
        method = f"no spread between {unit}s: betting confidence interval (Waudby-Smith & Ramdas 2023)"
        mean = Interval(mean_score, 1.0 + span * blow, 1.0 + span * bhigh, level, method)
    return SystemGrades(
        system, n, p_clusters, [int(c) for c in counts], share_iv, mean, deffs, False, n_resamples, seed, unit
    )


def grade_shares(
    cluster_ids: Any,
    system_ids: Any,
    grades: Any,
    n_levels: int,
    *,
    n_systems: int | None = None,
    level: float = 0.95,
    n_resamples: int = 2000,
    seed: int | None = 0,
    unit: str = "prompt",
) -> list[SystemGrades]:
    """Per system (index 0 .. n_systems - 1, default max + 1), each grade's share and the mean
    score, with intervals that treat each cluster (prompt, or conversation: ``unit`` names it)
    as the unit of resampling.

    Share of grade g = (votes giving g) / (votes); mean score = mean of grade + 1.
    With P >= ``MIN_BOOTSTRAP_CLUSTERS`` clusters: B resamples draw P clusters with
    replacement (every drawn cluster brings all its votes; Davison & Hinkley 1997, 3.8); the
    bootstrap variance v of the share, times P/(P - 1), gives the effective sample size
    n_eff = p (1 - p) / v (at most n; P when p is 0 or 1, as no spread was seen), and the
    interval is Wilson's at n_eff with the t quantile on P - 1 degrees of freedom (the
    effective-sample-size approach of Korn & Graubard 1998, with Wilson's interval): it stays
    inside [0, 1] and is never of zero width. The mean score's interval is estimate +/- t x
    bootstrap standard error, clipped to [1, n_levels].
    With fewer clusters: the betting interval (``betting.hedged_interval``) for the mean over
    clusters of each cluster's share, valid at any number of clusters (its target, the mean
    of per-cluster shares, is the vote share when clusters carry equal numbers of votes).
    ``seed`` feeds numpy's ``default_rng``: the same seed gives the same intervals.
    """
    level = check_level(level)
    if n_resamples < 2:
        raise ValueError("n_resamples must be at least 2")
    g = _codes(grades, n_levels)
    systems = np.asarray(system_ids)
    clusters = np.asarray(cluster_ids)
    if systems.shape != g.shape or clusters.shape != g.shape:
        raise ValueError("cluster_ids, system_ids and grades must have the same length")
    if systems.size and (systems.dtype.kind not in "iu" or systems.min() < 0):
        raise ValueError("system_ids must be non-negative integers")
    count = int(systems.max()) + 1 if systems.size else 0
    count = count if n_systems is None else int(n_systems)
    if systems.size and systems.max() >= count:
        raise ValueError("a system id is not below n_systems")
    out = []
    for s in range(count):
        mine = systems == s
        distinct, table = cluster_table(clusters[mine], g[mine], n_levels)
        out.append(_one_system(s, distinct, table, n_resamples, level, seed, unit))
    return out


def grade_votes_needed(system_grades: SystemGrades, half_width: float = 0.05) -> GradeVotePlan:
    """Votes a system still needs for every grade share's interval to have at most
    ``half_width`` on each side: for each grade, ``planning.votes_needed`` (the Wilson sample
    size) at its observed share (1/2 with no votes, or when a share is 0 or 1, the worst case)
    times its design effect (1 without a bootstrap); the largest over the grades, minus the
    votes in hand, never below 0. A plan, not a guarantee: it assumes the shares and the design
    effects stay as observed, and uses the normal quantile where the interval uses t."""
    level = system_grades.shares[0].level if system_grades.shares else 0.95
    per_grade = []
    for interval, deff in zip(system_grades.shares, system_grades.design_effects, strict=True):
        p = interval.estimate
        share = 0.5 if p is None or p <= 0.0 or p >= 1.0 else float(p)
        per_grade.append(votes_needed(half_width, share, level, "wilson", max(1.0, float(deff or 1.0))))
    total = max(per_grade) if per_grade else 0
    have = system_grades.n_votes
    return GradeVotePlan(
        system_grades.system,
        float(half_width),
        float(level),
        have,
        int(total),
        int(max(0, total - have)),
        per_grade,
        "Wilson sample size x bootstrap design effect (Kish 1965), largest over the grades",
    )
