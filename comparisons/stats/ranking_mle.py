"""Bradley-Terry as the unregularised maximum-likelihood fit whenever it exists.

The MLE exists (finite, unique up to a constant) exactly when the win graph is strongly
connected: every system has a path of wins to every other one and back (Ford 1957; Hunter 2004,
Assumption 1; a tie counts as half a win each way). Then no prior is added. Otherwise the fit
adds ``FALLBACK_PRIOR`` pseudo-wins of every system over every other one and says so.

The fit: MM iterations (``ranking.bradley_terry``) to a loose tolerance, then Newton's method on
the log-likelihood in theta = log pi (gradient g_i = W_i - sum_j n_ij p_ij, information
J = sum_ij n_ij p_ij p_ji (e_i - e_j)(e_i - e_j)^T), centred to mean 0, until the step is below
1e-13: MM alone slows down near the optimum, Newton converges quadratically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.special import expit

from ._base import AsDict
from .ranking import Ranking, _ranking, bradley_terry

FALLBACK_PRIOR = 0.01


@dataclass(frozen=True)
class MleFit(AsDict):
    ranking: Ranking
    mle_exists: bool
    note: str
    theta: list[float]  # log strengths, mean 0, in the order of the names
    covariance: list[list[float]]  # inverse information (pseudo-inverse), on theta


def mle_exists(wins: np.ndarray, ties: np.ndarray | None = None) -> bool:
    """True when the graph with an edge i -> j wherever i has a win or a tie against j is
    strongly connected (then the Bradley-Terry MLE is finite and unique)."""
    w = np.asarray(wins, dtype=float)
    t = np.zeros_like(w) if ties is None else np.asarray(ties, dtype=float)
    if w.shape[0] < 2:
        return True
    eff = w + t
    np.fill_diagonal(eff, 0.0)
    n_comp, _ = connected_components(eff > 0, directed=True, connection="strong")
    return bool(n_comp == 1)


def information(theta: np.ndarray, games: np.ndarray) -> np.ndarray:
    """Fisher information J of theta: J_ii = sum_j n_ij p_ij p_ji, J_ij = -n_ij p_ij p_ji."""
    p = expit(theta[:, None] - theta[None, :])  # p[i, j] = P(i beats j)
    c = games * p * p.T
    np.fill_diagonal(c, 0.0)
    return np.asarray(np.diag(c.sum(axis=1)) - c)


def newton_polish(
    theta: np.ndarray, eff: np.ndarray, tol: float = 1e-13, max_iter: int = 100
) -> tuple[np.ndarray, int]:
    """Newton steps on the Bradley-Terry log-likelihood from ``theta`` (effective wins ``eff``,
    ties already counted as halves); the step solves J d = g with theta's mean fixed at 0."""
    games = eff + eff.T
    total = eff.sum(axis=1)
    k = theta.size
    steps = 0
    while steps < max_iter:
        steps += 1
        p = expit(theta[:, None] - theta[None, :])
        grad = total - (games * p).sum(axis=1)
        j = information(theta, games) + np.full((k, k), 1.0 / k)  # + 1 1^T / k pins the mean
        step = np.linalg.solve(j, grad)
        theta = theta + step
        theta -= theta.mean()
        if np.max(np.abs(step)) < tol:
            break
    return theta, steps


def bradley_terry_mle(wins: np.ndarray, ties: np.ndarray | None = None, names: list[str] | None = None) -> MleFit:
    """The unregularised Bradley-Terry MLE (ties as half a win each way) when it exists, else
    the fit with ``FALLBACK_PRIOR`` pseudo-wins per ordered pair; ``note`` says which."""
    w = np.asarray(wins, dtype=float)
    t = np.zeros_like(w) if ties is None else np.asarray(ties, dtype=float)
    exists = mle_exists(w, t)
    prior = 0.0 if exists else FALLBACK_PRIOR
    start = bradley_terry(w, t, names, prior=prior, tol=1e-8, max_iter=100_000)
    k = w.shape[0]
    if k < 2:
        return MleFit(start, exists, "fewer than two systems", [0.0] * k, [[0.0] * k] * k)
    eff = w + 0.5 * t + prior * (1.0 - np.eye(k))
    np.fill_diagonal(eff, 0.0)
    theta0 = np.log(np.asarray(start.probabilities))
    theta, steps = newton_polish(theta0 - theta0.mean(), eff)
    ranking = _ranking(
        start.names, theta, start.iterations + steps, True, prior, "bradley-terry (maximum likelihood, ties as half)"
    )
    cov = np.linalg.pinv(information(theta, eff + eff.T))
    note = (
        "unregularised maximum likelihood (the win graph is strongly connected)"
        if exists
        else f"the maximum-likelihood fit does not exist (some systems never beat the rest): "
        f"{FALLBACK_PRIOR} pseudo-wins per ordered pair added"
    )
    return MleFit(ranking, exists, note, [float(v) for v in theta], cov.tolist())
