"""Tests of "is one system preferred?", Holm's correction, and a verdict in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

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
    """
    ids = np.asarray(prompt_ids)
    out = as_outcomes(outcomes)
    if ids.shape != out.shape:
        raise ValueError("prompt_ids and outcomes must have the same length")
    method = "Wilcoxon signed-rank on prompt means"
    if out.size == 0:
        return TestResult(0.0, 1.0, 0, 0.0, method)
    _, inv = factorize(ids)
    d = np.bincount(inv, weights=out) / np.bincount(inv)
    effect = float(d.mean())
    if not np.any(d != 0):
        return TestResult(0.0, 1.0, int(d.size), effect, method)
    res = stats.wilcoxon(d, zero_method="wilcox")
    return TestResult(float(res.statistic), float(res.pvalue), int(d.size), effect, method)


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
