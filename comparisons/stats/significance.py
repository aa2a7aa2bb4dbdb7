"""Tests of "is one system preferred?", Holm's correction, and a verdict in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from ._base import AsDict, as_outcomes, factorize


@dataclass(frozen=True)
class TestResult(AsDict):
    """A two-sided test. ``effect`` > 0 means the focal system is preferred."""

    __test__ = False  # not a pytest test class

    statistic: float
    p_value: float
    n: int
    effect: float
    method: str


@dataclass(frozen=True)
class HolmResult(AsDict):
    p_values: list[float]
    adjusted: list[float]
    reject: list[bool]
    alpha: float
    method: str = "holm"


def sign_test(wins: int, losses: int) -> TestResult:
    """Exact two-sided sign test of wins vs losses, ties dropped.

    Under H0 each non-tied vote is a win with probability 1/2: p = binomtest(W, W + L, 0.5)
    (two-sided, scipy's "sum of probabilities no larger than observed" rule).
    Source: Dixon & Mood (1946); scipy.stats.binomtest. ``effect`` = W/(W+L) - 1/2.
    With W + L = 0 there is no evidence: p = 1, effect 0.
    """
    wins, losses = int(wins), int(losses)
    if wins < 0 or losses < 0:
        raise ValueError("counts must be non-negative")
    n = wins + losses
    if n == 0:
        return TestResult(0.0, 1.0, 0, 0.0, "sign test (exact binomial, ties dropped)")
    p = float(stats.binomtest(wins, n, 0.5).pvalue)
    return TestResult(float(wins), min(p, 1.0), n, wins / n - 0.5, "sign test (exact binomial, ties dropped)")


def sign_test_outcomes(outcomes: np.ndarray | list[int]) -> TestResult:
    """``sign_test`` on a +1/0/-1 outcome array."""
    arr = as_outcomes(outcomes)
    return sign_test(int((arr == 1).sum()), int((arr == -1).sum()))


def prompt_wilcoxon(prompt_ids: np.ndarray | list[Any], outcomes: np.ndarray | list[int]) -> TestResult:
    """Wilcoxon signed-rank test on per-prompt mean outcomes (one number per prompt).

    d_p = mean of the +1/0/-1 votes on prompt p (equivalently 2 * mean score - 1, with
    score 1/0.5/0); H0: the d_p are symmetric about 0. Zeros are dropped ("wilcox"
    zero_method) and ties in |d| get mid-ranks; scipy picks the exact or normal
    distribution. Source: Wilcoxon (1945); scipy.stats.wilcoxon. Averaging per prompt
    first respects clustering of votes within a prompt.
    If every d_p is 0 (or there are no prompts) p = 1 and the statistic is 0.
    ``effect`` = mean of d_p.

    Above 50 prompts scipy takes the normal approximation, which `_signed_rank_normal`
    computes from the few distinct |d_p| (each a ratio of small integers) instead of ranking
    every prompt: the same statistic and p-value to the bit (tests/stats/test_significance.py),
    in a sixth of the time at 66,667 prompts. Up to 50 prompts scipy itself runs (its exact and
    permutation paths).
    """
    ids = np.asarray(prompt_ids)
    out = as_outcomes(outcomes)
    if ids.shape != out.shape:
        raise ValueError("prompt_ids and outcomes must have the same length")
    method = "Wilcoxon signed-rank on prompt means"
    if out.size == 0:
        return TestResult(0.0, 1.0, 0, 0.0, method)
    _, inv = factorize(ids)
    sums, votes = np.bincount(inv, weights=out), np.bincount(inv)
    d = sums / votes
    effect = float(d.mean())
    if not np.any(d != 0):
        return TestResult(0.0, 1.0, int(d.size), effect, method)
    if d.size > WILCOXON_EXACT_MAX:
        statistic, p = _signed_rank_normal(sums, votes)
        return TestResult(statistic, p, int(d.size), effect, method)
    res = stats.wilcoxon(d, zero_method="wilcox")
    return TestResult(float(res.statistic), float(res.pvalue), int(d.size), effect, method)


# scipy.stats.wilcoxon's method="auto" takes the normal approximation above this many values
WILCOXON_EXACT_MAX = 50


def _signed_rank_normal(sums: np.ndarray, votes: np.ndarray) -> tuple[float, float]:
    """scipy.stats.wilcoxon(sums / votes, zero_method="wilcox", method="asymptotic") (no
    continuity correction, two-sided) for integer ``sums`` and positive integer ``votes``:
    zeros dropped, mid-ranks of |d| for ties, the variance reduced by sum(t^3 - t) / 48 over
    the tie groups; the statistic min(R+, R-), p = 2 Phi(-|z|).

    Each |d| = |s| / v is counted per distinct (|s|, v) and those few ratios are grouped by
    value (1/3 and 2/6 are the same float: IEEE division is correctly rounded), so nothing
    is sorted but the distinct ratios. Every sum is of integers and half-integers far below
    2^53, so R+, R- and the tie term are exact, as scipy's are, and the rest is its arithmetic."""
    nonzero = sums != 0
    s, v = sums[nonzero], votes[nonzero].astype(np.int64)
    n = float(s.size)
    top = int(v.max()) + 1
    keys, inverse = factorize(np.abs(s).astype(np.int64) * top + v)
    per_key = np.bincount(inverse, minlength=keys.size).astype(float)
    positive_per_key = np.bincount(inverse, weights=s > 0, minlength=keys.size)
    values, group = np.unique((keys // top) / (keys % top), return_inverse=True)
    ties = np.bincount(group, weights=per_key, minlength=values.size)
    positive = np.bincount(group, weights=positive_per_key, minlength=values.size)
    rank = np.cumsum(ties) - ties + (ties + 1) / 2  # the mid-rank of each distinct |d|
    r_plus, r_minus = float(positive @ rank), float((ties - positive) @ rank)
    mean = n * (n + 1.0) * 0.25
    se = float(np.sqrt((n * (n + 1.0) * (2.0 * n + 1.0) - np.sum(ties**3 - ties) / 2) / 24))
    z = (r_plus - mean) / se
    return min(r_plus, r_minus), float(2 * special.ndtr(-abs(z)))


def holm(p_values: np.ndarray | list[float], alpha: float = 0.05) -> HolmResult:
    """Holm's step-down adjustment of a family of m p-values.

    Sort p ascending: p_(1) <= ... <= p_(m). Adjusted p_(i) = max_{j<=i} min(1, (m-j+1) p_(j));
    reject H_(i) when its adjusted p <= alpha. Controls the family-wise error rate at alpha
    under any dependence. Source: Holm (1979), Scand. J. Statist. 6:65; matches statsmodels
    ``multipletests(method="holm")``.
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1 or np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("p_values must be a 1-d array of numbers in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adj_sorted = np.maximum.accumulate(scaled) if m else scaled
    adjusted = np.empty(m)
    adjusted[order] = adj_sorted
    return HolmResult(
        p_values=[float(v) for v in p],
        adjusted=[float(v) for v in adjusted],
        reject=[bool(v <= alpha) for v in adjusted],
        alpha=float(alpha),
    )


def format_p(p_value: float) -> str:
    """'p < 0.001', 'p = 0.003' (below 0.1: three decimals) or 'p = 0.41' (two decimals)."""
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.1:
        return f"p = {p_value:.3f}"
    return f"p = {p_value:.2f}"


def verdict(focal: str, other: str, effect: float, p_value: float, alpha: float = 0.05) -> str:
    """One sentence for a dashboard.

    ``effect`` > 0 means ``focal`` is preferred (e.g. a sign test's effect or win rate - 0.5).
    Significant (p < alpha): "<winner> preferred over <loser>, p < 0.001"; otherwise
    "no significant difference from <other> (p = 0.41)" (said of the focal system).
    Pass Holm-adjusted p-values when several pairs are reported together.
    """
    if p_value < alpha and effect != 0:
        winner, loser = (focal, other) if effect > 0 else (other, focal)
        return f"{winner} preferred over {loser}, {format_p(p_value)}"
    return f"no significant difference from {other} ({format_p(p_value)})"
