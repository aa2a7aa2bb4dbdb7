"""Rater biases: preferring the left (first shown) response, and preferring longer ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ._base import AsDict, as_outcomes, distinct, opt_float
from .intervals import Interval, wilson_interval


@dataclass(frozen=True)
class PositionBias(AsDict):
    """Share of non-tie votes that chose the left response, with a Wilson interval and an
    exact two-sided binomial test of H0: share = 1/2."""

    n: int
    left: int
    right: int
    left_share: Interval
    p_value: float
    method: str = "binomial test of left share = 0.5, ties dropped"


@dataclass(frozen=True)
class LengthBin(AsDict):
    low: float  # bin edges, low <= diff < high (the last bin includes its high edge)
    high: float
    n: int
    wins: int
    ties: int
    losses: int
    win_share: Interval  # Wilson
    win_rate: float | None  # ties as half


@dataclass(frozen=True)
class LengthBias(AsDict):
    bins: list[LengthBin]
    spearman_rho: float | None  # rank correlation of length difference and outcome
    p_value: float | None
    method: str = "win share by length-difference bins"


def position_bias(left: int, right: int, level: float = 0.95) -> PositionBias:
    """Position bias from counts of non-tie votes for the left and the right response.

    left share = L / (L + R), Wilson interval (``wilson_interval``), p-value from
    scipy.stats.binomtest(L, L + R, 0.5) (two-sided, exact). Randomised A/B order should
    give a share near 1/2 (LIMA §4; Zheng et al. 2023, "Judging LLM-as-a-judge", §3.3).
    With no non-tie votes p = 1.
    """
    left, right = int(left), int(right)
    n = left + right
    p = float(stats.binomtest(left, n, 0.5).pvalue) if n else 1.0
    return PositionBias(n, left, right, wilson_interval(left, n, level), min(p, 1.0))


def length_bias(
    length_diff: np.ndarray | list[float],
    outcomes: np.ndarray | list[int],
    edges: list[float] | int = 5,
    level: float = 0.95,
    grouped: tuple[np.ndarray, np.ndarray] | None = None,
) -> LengthBias:
    """Win share of the focal system by bins of length difference (focal minus other).

    ``edges`` is a list of bin edges, or a number of equal-count (quantile) bins (default
    5). Per bin: wins/ties/losses, win share W/n with a Wilson interval, win rate
    (W + T/2)/n. ``spearman_rho`` is the rank correlation between length difference and
    outcome over all votes, with the p-value of scipy.stats.spearmanr (t test, n - 2
    degrees of freedom); positive means longer answers win more (the length bias reported
    for LLM judges by Dubois et al. 2024, length-controlled AlpacaEval).

    Everything is computed from the table of votes per (distinct difference, outcome): the
    quantiles as ``np.quantile`` (linear), the average ranks as ``scipy.stats.rankdata``
    and rho as the Pearson correlation of those ranks, as spearmanr does. ``grouped``: the
    sorted distinct differences and each vote's index among them (``distinct(length_diff)``),
    when the caller has them already.
    """
    diff = np.asarray(length_diff, dtype=float)
    out = as_outcomes(outcomes)
    if diff.shape != out.shape:
        raise ValueError("length_diff and outcomes must have the same length")
    if diff.size == 0:
        return LengthBias([], None, None)
    values, inverse = distinct(diff) if grouped is None else grouped
    tally = np.bincount(inverse * 3 + out + 1, minlength=3 * values.size).reshape(-1, 3)  # loss, tie, win
    per_value = tally.sum(axis=1)
    if isinstance(edges, int):
        cuts = np.unique(_quantiles(values, np.cumsum(per_value), np.linspace(0, 1, edges + 1)))
    else:
        cuts = np.asarray(sorted(edges), dtype=float)
    if cuts.size < 2:
        cuts = np.array([values[0], values[-1]])
    which = np.clip(np.searchsorted(cuts, values, side="right") - 1, 0, cuts.size - 2)
    inside = (values >= cuts[0]) & (values <= cuts[-1])
    by_bin = np.zeros((cuts.size - 1, 3), dtype=np.int64)
    np.add.at(by_bin, which[inside], tally[inside])
    bins = []
    for i, (l_, t, w) in enumerate(by_bin.tolist()):
        n = w + t + l_
        bins.append(
            LengthBin(
                float(cuts[i]),
                float(cuts[i + 1]),
                n,
                w,
                t,
                l_,
                wilson_interval(w, n, level),
                (w + t / 2) / n if n else None,
            )
        )
    rho, p = _spearman(per_value, tally) if values.size > 1 and (tally.sum(axis=0) < out.size).all() else (None, None)
    return LengthBias(bins, rho, p)


def _quantiles(values: np.ndarray, cumulative: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile(x, q)`` (method "linear", numpy's arithmetic) of the sample with sorted
    distinct ``values`` and ``cumulative`` counts, without the sample."""
    n = int(cumulative[-1])
    virtual = (n - 1) * q
    previous = np.floor(virtual)
    following = previous + 1.0
    previous[virtual >= n - 1], following[virtual >= n - 1] = n - 1, n - 1
    previous[virtual < 0], following[virtual < 0] = 0, 0
    gamma = virtual - previous
    a = values[np.searchsorted(cumulative, previous, side="right")]
    b = values[np.searchsorted(cumulative, following, side="right")]
    quantiles: np.ndarray = np.where(gamma >= 0.5, b - (b - a) * (1.0 - gamma), a + (b - a) * gamma)
    return quantiles


def _spearman(per_value: np.ndarray, tally: np.ndarray) -> tuple[float | None, float | None]:
    """Spearman's rho (average ranks for ties) and its two-sided t-test p-value from the
    (distinct difference x outcome) table: rho = sum n_vo (r_v - m)(s_o - m) /
    sqrt(sum n_v (r_v - m)^2 sum n_o (s_o - m)^2), m = (n + 1) / 2."""
    per_outcome = tally.sum(axis=0)
    n = int(per_value.sum())
    mean = (n + 1) / 2.0
    rank_v = np.cumsum(per_value) - (per_value - 1) / 2.0 - mean
    rank_o = np.cumsum(per_outcome) - (per_outcome - 1) / 2.0 - mean
    sxy = rank_v @ tally @ rank_o
    sxx, syy = per_value @ rank_v**2, per_outcome @ rank_o**2
    rho = np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)
    dof = n - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = rho * np.sqrt(max(dof / ((rho + 1.0) * (1.0 - rho)), 0.0))
    return opt_float(rho), opt_float(2.0 * special.stdtr(dof, -abs(t)))
