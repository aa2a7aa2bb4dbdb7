"""Bradley-Terry fitted on many weighted copies of the data at once (bootstrap resamples).

A batch is an (R x k x k) array of effective wins ``eff[r, i, j]`` (wins + ties / 2 + prior,
zero diagonal), one matrix per resample. Both fits below give each resample's maximum-
likelihood log-strengths, centred to mean 0:
- ``"mm"``: Hunter's (2004) MM iteration, element for element the arithmetic of
  ``ranking.bradley_terry``, each resample stopping at its own iteration, so every slice
  equals ``bradley_terry`` on it bit for bit. Best for a handful of systems.
- ``"newton"``: Newton-Raphson on the concave log-likelihood with step halving, solving
  the R (k x k) systems in one batched call, after a chord step from the start (one
  Hessian for every resample); one or two iterations for any k, so it suits dozens of
  systems. It agrees with MM to the MM tolerance.
"""

from __future__ import annotations

import numpy as np

from .ranking import ELO_ANCHOR, ELO_BASE, ELO_SCALE

FIT_METHODS = ("mm", "newton")


def fit_batch(
    eff: np.ndarray,
    method: str = "mm",
    tol: float = 1e-8,
    max_iter: int = 100_000,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """(R x k) centred log-strengths, one row per matrix of ``eff``. ``start`` (k log-
    strengths, e.g. the fit on the full data) is where Newton starts; MM always starts at
    zero, as ``bradley_terry``."""
    if method not in FIT_METHODS:
        raise ValueError(f"method must be one of {FIT_METHODS}")
    eff = np.asarray(eff, dtype=float)
    if eff.ndim != 3 or eff.shape[1] != eff.shape[2]:
        raise ValueError("eff must be an (R x k x k) array")
    if eff.shape[1] < 2:
        return np.zeros(eff.shape[:2])
    if method == "mm":
        return _mm(eff, tol, max_iter)
    return _newton(eff, np.zeros(eff.shape[1]) if start is None else np.asarray(start, dtype=float))


def elo_scores(log_pi: np.ndarray) -> np.ndarray:
    """Elo = 1000 + 400 log10(pi) with log pi centred (as ``ranking._ranking``)."""
    log_pi = log_pi - log_pi.mean(axis=-1, keepdims=True)
    elo: np.ndarray = ELO_ANCHOR + ELO_SCALE * log_pi / np.log(ELO_BASE)
    return elo


def _mm(eff: np.ndarray, tol: float, max_iter: int) -> np.ndarray:
    """pi_i <- W_i / sum_j n_ij / (pi_i + pi_j), rescaled to geometric mean 1, per resample
    until max |change in log pi| < tol. Converged resamples leave the working set."""
    total = eff.sum(axis=2)
    games = eff + eff.transpose(0, 2, 1)
    out = np.zeros(total.shape)
    idx = np.arange(total.shape[0])
    log_pi, pi = out.copy(), np.ones(total.shape)
    for _ in range(max_iter):
        denom = (games / (pi[:, :, None] + pi[:, None, :])).sum(axis=2)
        new_log = np.log(total / denom)
        new_log -= new_log.mean(axis=1)[:, None]
        done = np.max(np.abs(new_log - log_pi), axis=1) < tol
        log_pi, pi = new_log, np.exp(new_log)
        if done.any():
            out[idx[done]] = log_pi[done]
            keep = ~done
            idx, log_pi, pi, total, games = idx[keep], log_pi[keep], pi[keep], total[keep], games[keep]
            if idx.size == 0:
                break
    out[idx] = log_pi  # not converged within max_iter: the last iterate
    return out


def _loglik(theta: np.ndarray, eff: np.ndarray) -> np.ndarray:
    diff = theta[:, :, None] - theta[:, None, :]
    loglik: np.ndarray = -(eff * np.logaddexp(0.0, -diff)).sum(axis=(1, 2))
    return loglik


def _newton(eff: np.ndarray, start: np.ndarray, tol: float = 1e-3, max_iter: int = 100) -> np.ndarray:
    """Newton steps on l(theta) = sum_ij eff_ij log sigmoid(theta_i - theta_j). With
    pi = exp(theta), n_ij = eff_ij + eff_ji and p_ij = pi_i / (pi_i + pi_j) = P(i beats j),
    the gradient is W_i - pi_i sum_j n_ij / (pi_i + pi_j) and the negative Hessian is
    A = sum n_ij p_ij (1 - p_ij) (e_i - e_j)(e_i - e_j)^T, singular along 1 (only differences
    matter); solving (A + 11^T) d = g gives the step orthogonal to 1. Steps longer than 1/2
    are checked against the likelihood and halved until it does not fall (it is concave);
    shorter ones are taken as they are. Stops after a step below ``tol``, which leaves an
    error of order tol^2 (quadratic convergence).

    Every resample starts from ``start`` moved by one chord step: the Newton step with the
    Hessian at ``start`` of the resamples' mean counts, one k x k matrix for all of them
    (kept only where it is at most 1/2 long). It lands about as close as a first Newton
    step would, for the price of a gradient, so one or two full Newton steps follow."""
    r, k, _ = eff.shape
    games = eff + eff.transpose(0, 2, 1)
    wins = eff.sum(axis=2)
    theta = np.repeat((start - start.mean())[None, :], r, axis=0)
    theta += _chord_step(games, wins, theta[0])
    theta -= theta.mean(axis=1, keepdims=True)
    diag = np.arange(k)
    for _ in range(max_iter):
        pi = np.exp(theta - theta.max(axis=1, keepdims=True))
        sums = pi[:, :, None] + pi[:, None, :]
        h = games / sums  # n_ij / (pi_i + pi_j)
        grad = wins - pi * h.sum(axis=2)
        h /= sums
        h *= pi[:, :, None]
        h *= -pi[:, None, :]  # -n_ij p_ij (1 - p_ij)
        h[:, diag, diag] = -h.sum(axis=2)
        h += 1.0
        step = np.linalg.solve(h, grad[:, :, None])[:, :, 0]
        size = np.abs(step).max(axis=1)
        long = size > 0.5
        if long.any():
            step[long] = _halve(eff[long], theta[long], step[long])
        theta += step
        theta -= theta.mean(axis=1, keepdims=True)
        if size.max() < tol:
            break
    return theta


def _chord_step(games: np.ndarray, wins: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """(R x k) steps (A0 + 11^T)^-1 g_r(theta), A0 the negative Hessian at ``theta`` of the
    mean games; zero for resamples where the step would be longer than 1/2."""
    k = theta.size
    pi = np.exp(theta - theta.max())
    p = pi[:, None] / (pi[:, None] + pi[None, :])
    a0 = -games.mean(axis=0) * p * p.T
    a0[np.arange(k), np.arange(k)] = -a0.sum(axis=1)
    grad = wins - np.einsum("rij,ij->ri", games, p)
    step = np.linalg.solve(a0 + 1.0, grad.T).T
    step[np.abs(step).max(axis=1) > 0.5] = 0.0
    return step


def _halve(eff: np.ndarray, theta: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Halve each step until the log-likelihood does not fall (at most 40 times)."""
    base = _loglik(theta, eff)
    scale = np.ones(theta.shape[0])
    for _ in range(40):
        worse = _loglik(theta + scale[:, None] * step, eff) < base - 1e-12 * np.abs(base)
        if not worse.any():
            break
        scale = np.where(worse, scale / 2.0, scale)
    halved: np.ndarray = scale[:, None] * step
    return halved
