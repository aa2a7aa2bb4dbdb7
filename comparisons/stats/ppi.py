"""Prediction-powered inference (PPI++) for shares: few human-labelled prompts, many judged ones.

Source: Angelopoulos, Bates, Fannjiang, Jordan & Zrnic (2023), "Prediction-powered inference",
Science 382:669; the power-tuned estimator: Angelopoulos, Duchi & Zrnic (2024), "PPI++: Efficient
prediction-powered inference", arXiv:2311.01453. The arithmetic is that of the reference package
``ppi-python`` (``ppi_py.ppi_mean_ci`` with its default ``lam=None``, one-dimensional mean).

The unit is the prompt: Y_i is the humans' value on labelled prompt i (e.g. the share of its
human votes that the first system won), f_i the judge's value on the same prompt, and f~_j the
judge's value on the N prompts without human votes. The estimand is the mean over prompts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from ._base import AsDict, check_level
from .intervals import Interval

METHOD = "PPI++ (power-tuned prediction-powered inference), prompt as the unit"


@dataclass(frozen=True)
class PPIMean(AsDict):
    estimate: float | None
    low: float | None
    high: float | None
    level: float
    lam: float | None  # the power-tuning weight on the judge, in [0, 1]
    std_error: float | None
    n_labelled: int
    n_unlabelled: int

    def interval(self, method: str = METHOD) -> Interval:
        return Interval(self.estimate, self.low, self.high, self.level, method)


def power_tuning(y: np.ndarray, f: np.ndarray, f_unlabelled: np.ndarray) -> float:
    """The PPI++ weight lam = Cov(Y, f) / ((1 + n/N) Var(f)), clipped to [0, 1] (PPI++ §2,
    Example "mean estimation"). As ppi-python: the covariance is the symmetrised (1/n) sum of
    centred products of Y - theta and f - theta (theta the lam = 1 estimate, which cancels), and
    Var(f) the sample variance (ddof 1) of f over labelled and unlabelled prompts together.
    lam = 0 when there are no unlabelled prompts (the limit N -> 0) or the judge's values do not
    vary (the judge then carries no information)."""
    n, big_n = y.size, f_unlabelled.size
    if big_n == 0 or n == 0:
        return 0.0
    pooled = np.concatenate([f, f_unlabelled])
    var = float(np.var(pooled, ddof=1)) if pooled.size > 1 else 0.0
    if var <= 0.0:
        return 0.0
    cov = 2.0 * float(((y - y.mean()) * (f - f.mean())).sum()) / n
    lam = cov / (2.0 * (1.0 + n / big_n) * var)
    return float(np.clip(lam, 0.0, 1.0))


def ppi_mean(
    y: np.ndarray | list[float],
    f: np.ndarray | list[float],
    f_unlabelled: np.ndarray | list[float],
    level: float = 0.95,
    lam: float | None = None,
) -> PPIMean:
    """PPI++ estimate and normal interval of a mean.

    theta = lam mean(f~) + mean(Y - lam f); se^2 = var(lam f~) / N + var(Y - lam f) / n (population
    variances, ddof 0); the interval is theta -/+ z_{1 - alpha/2} se, not clipped (as
    ``ppi_mean_ci``). lam = ``power_tuning`` unless given (lam = 1: plain PPI; lam = 0: the
    classical interval from the humans alone). With N = 0 the classical interval (lam = 0)."""
    level = check_level(level)
    y_, f_, fu = (np.asarray(v, dtype=float).ravel() for v in (y, f, f_unlabelled))
    if y_.shape != f_.shape:
        raise ValueError("y and f must have the same length (one value per labelled prompt)")
    n, big_n = y_.size, fu.size
    if n == 0:
        return PPIMean(None, None, None, level, None, None, 0, big_n)
    lam_ = power_tuning(y_, f_, fu) if lam is None else float(lam)
    if big_n == 0:
        lam_ = 0.0
    rectified = y_ - lam_ * f_
    imputed = float((lam_ * fu).mean()) if big_n else 0.0
    theta = imputed + float(rectified.mean())
    var = float(np.var(rectified)) / n + (float(np.var(lam_ * fu)) / big_n if big_n else 0.0)
    se = float(np.sqrt(var))
    z = float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))
    return PPIMean(theta, theta - z * se, theta + z * se, level, lam_, se, n, big_n)


@dataclass(frozen=True)
class PPIShares(AsDict):
    """PPI++ intervals for the shares of one pair of systems (same shape as the bootstrap's)."""

    n_human_prompts: int
    n_judge_prompts: int  # prompts with judge votes and no human vote
    n_human_votes: int
    n_judge_votes: int
    win_share: Interval
    tie_share: Interval
    loss_share: Interval
    win_or_tie_share: Interval
    win_rate: Interval
    lam: dict[str, float | None]
    method: str = METHOD


SHARES = {
    "win_share": (1.0, 0.0, 0.0),
    "tie_share": (0.0, 1.0, 0.0),
    "loss_share": (0.0, 0.0, 1.0),
    "win_or_tie_share": (1.0, 1.0, 0.0),
    "win_rate": (1.0, 0.5, 0.0),
}


def prompt_values(counts: np.ndarray, weights: tuple[float, float, float]) -> np.ndarray:
    """Per prompt, the share of its votes given by ``weights`` on (wins, ties, losses)."""
    c = np.asarray(counts, dtype=float)
    out: np.ndarray = (c @ np.asarray(weights)) / c.sum(axis=1)
    return out


def ppi_shares(
    human: ArrayLike,
    judge: ArrayLike,
    judge_only: ArrayLike,
    level: float = 0.95,
) -> PPIShares:
    """PPI++ intervals of the prompt-averaged win, tie, loss, win-or-tie shares and win rate
    (ties as half). ``human`` and ``judge`` are (n x 3) counts of (wins, ties, losses) on the n
    prompts with votes of both; ``judge_only`` the (N x 3) judge counts on prompts without human
    votes. Each share is a mean of per-prompt shares, estimated by ``ppi_mean`` with its own lam.
    The estimand weighs prompts equally (the bootstrap's shares weigh votes: they agree when every
    prompt has as many votes)."""
    h, j, u = (np.asarray(x, dtype=float).reshape(-1, 3) for x in (human, judge, judge_only))
    if h.shape != j.shape:
        raise ValueError("human and judge must count the same prompts")
    if (h.sum(axis=1) == 0).any() or (j.sum(axis=1) == 0).any() or (u.sum(axis=1) == 0).any():
        raise ValueError("every prompt needs at least one vote in each table it is in")
    results = {
        name: ppi_mean(prompt_values(h, w), prompt_values(j, w), prompt_values(u, w), level)
        for name, w in SHARES.items()
    }
    return PPIShares(
        n_human_prompts=int(h.shape[0]),
        n_judge_prompts=int(u.shape[0]),
        n_human_votes=int(h.sum()),
        n_judge_votes=int(j.sum() + u.sum()),
        win_share=results["win_share"].interval(),
        tie_share=results["tie_share"].interval(),
        loss_share=results["loss_share"].interval(),
        win_or_tie_share=results["win_or_tie_share"].interval(),
        win_rate=results["win_rate"].interval(),
        lam={k: r.lam for k, r in results.items()},
    )
