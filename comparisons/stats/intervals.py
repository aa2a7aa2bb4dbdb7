"""Closed-form confidence intervals for shares: Wilson (one share) and Goodman (all three)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._base import AsDict, check_level, opt_float


@dataclass(frozen=True)
class Interval(AsDict):
    """A point estimate with a two-sided interval at ``level``.

    ``estimate`` is None when it is undefined (no data); the interval is then the whole
    parameter range the method allows (``[0, 1]`` for shares).
    """

    estimate: float | None
    low: float | None
    high: float | None
    level: float
    method: str

    @property
    def half_width(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2.0


@dataclass(frozen=True)
class ShareIntervals(AsDict):
    """Intervals for the focal system's win, tie, loss and win-or-tie shares."""

    n: int
    win_share: Interval
    tie_share: Interval
    loss_share: Interval
    win_or_tie_share: Interval


def wilson_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """Wilson score interval for a binomial proportion (no continuity correction).

    With p = k/n and z = Phi^-1(1 - (1 - level)/2):
    ``centre = (p + z^2/(2n)) / (1 + z^2/n)``,
    ``half = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))``.
    Source: Wilson (1927), JASA 22:209; same as scipy ``binomtest(k, n).proportion_ci("wilson")``.
    n = 0 gives estimate None and the interval [0, 1].
    """
    level = check_level(level)
    k, n = int(successes), int(n)
    if n < 0 or k < 0 or k > n:
        raise ValueError("need 0 <= successes <= n")
    if n == 0:
        return Interval(None, 0.0, 1.0, level, "wilson")
    z = float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Interval(p, low, high, level, "wilson")


def goodman_intervals(counts: np.ndarray | list[int], level: float = 0.95) -> list[Interval]:
    """Goodman's simultaneous intervals for the k shares of a multinomial.

    With A = chi2_1 quantile at 1 - alpha/k (Bonferroni over k cells), p_i = n_i/N:
    ``(A + 2 N p_i -/+ sqrt(A (A + 4 N p_i (1 - p_i)))) / (2 (N + A))``.
    Source: Goodman (1965), Technometrics 7:247; as statsmodels
    ``multinomial_proportions_confint(counts, alpha, method="goodman")``.
    N = 0 gives estimates None and intervals [0, 1].
    """
    level = check_level(level)
    arr = np.asarray(counts, dtype=float)
    if arr.ndim != 1 or arr.size < 2 or (arr < 0).any():
        raise ValueError("counts must be a 1-d array of at least two non-negative counts")
    k, total = arr.size, float(arr.sum())
    method = "goodman"
    if total == 0:
        return [Interval(None, 0.0, 1.0, level, method) for _ in range(k)]
    a = float(stats.chi2.ppf(1.0 - (1.0 - level) / k, 1))
    p = arr / total
    root = np.sqrt(a * (a + 4.0 * total * p * (1.0 - p)))
    low = (a + 2.0 * total * p - root) / (2.0 * (total + a))
    high = (a + 2.0 * total * p + root) / (2.0 * (total + a))
    return [
        Interval(opt_float(p[i]), float(max(low[i], 0.0)), float(min(high[i], 1.0)), level, method) for i in range(k)
    ]


def share_intervals(wins: int, ties: int, losses: int, level: float = 0.95, method: str = "wilson") -> ShareIntervals:
    """Intervals for win, tie, loss and win-or-tie shares from totals.

    ``method="wilson"``: a separate Wilson interval for each share (each covers at
    ``level`` on its own). ``method="goodman"``: win/tie/loss from Goodman's simultaneous
    intervals (jointly cover at ``level``); win-or-tie is then 1 - the loss interval,
    which is covered whenever the loss interval is.
    Both assume independent votes; for several votes per prompt use ``bootstrap``.
    """
    n = int(wins) + int(ties) + int(losses)
    if method == "wilson":
        win, tie, loss, wot = (wilson_interval(k, n, level) for k in (wins, ties, losses, int(wins) + int(ties)))
    elif method == "goodman":
        win, tie, loss = goodman_intervals([wins, ties, losses], level)
        wot = Interval(
            None if loss.estimate is None else 1.0 - loss.estimate,
            1.0 - loss.high,  # type: ignore[operator]
            1.0 - loss.low,  # type: ignore[operator]
            loss.level,
            "goodman",
        )
    else:
        raise ValueError("method must be 'wilson' or 'goodman'")
    return ShareIntervals(n, win, tie, loss, wot)
