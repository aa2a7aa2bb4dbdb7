"""Rater biases: preferring the left (first shown) response, and preferring longer ones."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._base import AsDict, as_outcomes, opt_float
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


def position_bias_from_votes(chose_left: np.ndarray | list, level: float = 0.95) -> PositionBias:
    """``position_bias`` from one entry per vote: True = left chosen, False = right chosen,
    None/NaN = tie (dropped)."""
    arr = np.asarray(chose_left, dtype=float)
    arr = arr[~np.isnan(arr)]
    return position_bias(int((arr == 1).sum()), int((arr == 0).sum()), level)


def length_bias(
    length_diff: np.ndarray | list[float], outcomes: np.ndarray | list[int],
    edges: list[float] | int = 5, level: float = 0.95,
) -> LengthBias:
    """Win share of the focal system by bins of length difference (focal minus other).

    ``edges`` is a list of bin edges, or a number of equal-count (quantile) bins (default
    5). Per bin: wins/ties/losses, win share W/n with a Wilson interval, win rate
    (W + T/2)/n. ``spearman_rho`` is the rank correlation between length difference and
    outcome over all votes (scipy.stats.spearmanr); positive means longer answers win more
    (the length bias reported for LLM judges by Dubois et al. 2024, length-controlled
    AlpacaEval).
    """
    diff = np.asarray(length_diff, dtype=float)
    out = as_outcomes(outcomes)
    if diff.shape != out.shape:
        raise ValueError("length_diff and outcomes must have the same length")
    if diff.size == 0:
        return LengthBias([], None, None)
    if isinstance(edges, int):
        cuts = np.unique(np.quantile(diff, np.linspace(0, 1, edges + 1)))
    else:
        cuts = np.asarray(sorted(edges), dtype=float)
    if cuts.size < 2:
        cuts = np.array([diff.min(), diff.max()])
    which = np.clip(np.searchsorted(cuts, diff, side="right") - 1, 0, cuts.size - 2)
    inside = (diff >= cuts[0]) & (diff <= cuts[-1])
    bins = []
    for i in range(cuts.size - 1):
        sel = out[inside & (which == i)]
        w, t, l_ = int((sel == 1).sum()), int((sel == 0).sum()), int((sel == -1).sum())
        n = w + t + l_
        bins.append(LengthBin(float(cuts[i]), float(cuts[i + 1]), n, w, t, l_,
                              wilson_interval(w, n, level), (w + t / 2) / n if n else None))
    rho, p = (None, None)
    if (diff != diff[0]).any() and (out != out[0]).any():
        res = stats.spearmanr(diff, out)
        rho, p = opt_float(res.statistic), opt_float(res.pvalue)
    return LengthBias(bins, rho, p)
