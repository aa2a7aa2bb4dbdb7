"""Ranking several systems from pairwise votes: Bradley-Terry (MM), Davidson ties, intervals.

Matrices are (systems x systems): ``wins[i, j]`` = votes where i beat j, ``ties[i, j]`` =
ties between i and j (symmetric).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.sparse.csgraph import connected_components

from ._base import AsDict, as_outcomes

ELO_SCALE, ELO_BASE, ELO_ANCHOR = 400.0, 10.0, 1000.0


@dataclass(frozen=True)
class Ranking(AsDict):
    """Scores per system, in the order of ``names``.

    ``elo`` = 1000 + 400 log10(pi_i) with the pi normalised to geometric mean 1 (so mean
    Elo is 1000, as Chatbot Arena); ``probabilities`` = pi_i / sum(pi) (each system's
    share of strength; P(i beats j) = pi_i / (pi_i + pi_j)).
    """

    names: list[str]
    elo: list[float]
    probabilities: list[float]
    iterations: int
    converged: bool
    prior: float
    method: str
    tie_parameter: float | None = None  # Davidson's nu; None for Bradley-Terry


def pair_matrices(
    first: np.ndarray | list[int],
    second: np.ndarray | list[int],
    outcomes: np.ndarray | list[int],
    n_systems: int,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(wins, ties) matrices from votes: system indices ``first`` vs ``second`` and the
    outcome for ``first`` (+1/0/-1). ``weights`` (e.g. bootstrap counts) default to 1."""
    a, b = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    out = as_outcomes(outcomes)
    if weights is None:  # integer counts, the same numbers as unit weights
        tally = np.bincount(pair_cells(a, b, out, n_systems), minlength=3 * n_systems * n_systems).reshape(-1, 3)
        pairs = np.flatnonzero(tally.any(axis=1))
        return pair_counts_matrices(pairs, tally[pairs].astype(float), n_systems)
    if not (a.shape == b.shape == out.shape):
        raise ValueError("first, second and outcomes must have the same length")
    if np.any(a == b):
        raise ValueError("a system cannot be compared with itself")
    k = n_systems * n_systems
    winner, loser = np.where(out >= 0, a, b), np.where(out >= 0, b, a)
    decided = out != 0
    w = np.asarray(weights, dtype=float)
    wins = np.bincount((winner * n_systems + loser)[decided], w[decided], k)
    ties = np.bincount((a * n_systems + b)[~decided], w[~decided], k)
    ties = ties.reshape(n_systems, n_systems)
    return wins.reshape(n_systems, n_systems), ties + ties.T


def pair_cells(a: np.ndarray, b: np.ndarray, out: np.ndarray, k: int) -> np.ndarray:
    """Per vote, its cell 3 (k lo + hi) + o: the unordered pair lo < hi of indices ``a``,
    ``b`` and the outcome o = 0 loss, 1 tie, 2 win of lo (``out`` is for ``a``). A vote
    (a, b, a wins) and a vote (b, a, b loses) fall in the same cell."""
    if not (a.shape == b.shape == out.shape):
        raise ValueError("first, second and outcomes must have the same length")
    if np.any(a == b):
        raise ValueError("a system cannot be compared with itself")
    if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= k):
        raise ValueError("system indices must be 0 .. n_systems - 1")
    if 3 * k * k > 4 * a.size + (1 << 20):
        cells: np.ndarray = (np.minimum(a, b) * k + np.maximum(a, b)) * 3 + np.where(a < b, out, -out) + 1
        return cells
    ordered = a * (3 * k)  # the cell of (a, b, out) as given, then a lookup of its merged cell
    ordered += b * 3
    ordered += out
    ordered += 1
    pair, o = np.divmod(np.arange(3 * k * k), 3)
    first, second = np.divmod(pair, k)
    merged = np.where(first < second, pair * 3 + o, (second * k + first) * 3 + 2 - o)
    result: np.ndarray = merged[ordered]
    return result


def pair_counts_matrices(pairs: np.ndarray, counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(wins, ties) matrices from (pairs x 3) loss / tie / win counts of the lower index of
    each pair lo * k + hi (``pair_cells`` tallied by pair)."""
    lo, hi = np.divmod(pairs, k)
    wins, ties = np.zeros((k, k)), np.zeros((k, k))
    wins[lo, hi], wins[hi, lo] = counts[:, 2], counts[:, 0]
    ties[lo, hi] = ties[hi, lo] = counts[:, 1]
    return wins, ties


def _prepare(wins: np.ndarray, ties: np.ndarray | None, prior: float) -> np.ndarray:
    w = np.asarray(wins, dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or (w < 0).any():
        raise ValueError("wins must be a square non-negative matrix")
    t = np.zeros_like(w) if ties is None else np.asarray(ties, dtype=float)
    if t.shape != w.shape or not np.allclose(t, t.T):
        raise ValueError("ties must be a symmetric matrix of the same shape")
    if prior < 0:
        raise ValueError("prior must be non-negative")
    eff = w + 0.5 * t + prior * (1.0 - np.eye(w.shape[0]))
    np.fill_diagonal(eff, 0.0)
    n_comp, _ = connected_components(eff > 0, directed=True, connection="strong")
    if n_comp > 1:
        raise ValueError(
            "the maximum-likelihood scores do not exist: some group of systems never beats "
            "the rest (the win graph is not strongly connected); use prior > 0"
        )
    return eff


def _names(names: list[str] | None, n: int) -> list[str]:
    out = [str(i) for i in range(n)] if names is None else [str(x) for x in names]
    if len(out) != n:
        raise ValueError("names must match the matrix size")
    return out


def _ranking(
    names: list[str],
    log_pi: np.ndarray,
    iterations: int,
    converged: bool,
    prior: float,
    method: str,
    nu: float | None = None,
) -> Ranking:
    log_pi = log_pi - log_pi.mean()
    pi = np.exp(log_pi - log_pi.max())
    elo = ELO_ANCHOR + ELO_SCALE * log_pi / np.log(ELO_BASE)
    return Ranking(
        names,
        [float(v) for v in elo],
        [float(v) for v in pi / pi.sum()],
        int(iterations),
        bool(converged),
        float(prior),
        method,
        None if nu is None else float(nu),
    )


def bradley_terry(
    wins: np.ndarray,
    ties: np.ndarray | None = None,
    names: list[str] | None = None,
    prior: float = 0.01,
    tol: float = 1e-10,
    max_iter: int = 100_000,
) -> Ranking:
    """Bradley-Terry strengths with ties as half a win each way, by the MM algorithm.

    Model: P(i beats j) = pi_i / (pi_i + pi_j) (Bradley & Terry 1952). With effective wins
    w_ij = wins_ij + ties_ij / 2 + prior, W_i = sum_j w_ij and n_ij = w_ij + w_ji, iterate
    pi_i <- W_i / sum_j n_ij / (pi_i + pi_j) (Hunter 2004, Ann. Statist. 32:384, eq. 3),
    rescaled to geometric mean 1, until max |change in log pi| < tol.

    ``prior`` adds that many pseudo-wins of every system over every other one (default
    0.01 each way). It keeps the estimate finite when a system never wins or the systems
    are not all linked, and shrinks it negligibly when there are hundreds of votes; with
    ``prior=0`` and a win graph that is not strongly connected (no finite MLE; Hunter
    2004, Assumption 1) a ValueError is raised.
    """
    eff = _prepare(wins, ties, prior)
    n = eff.shape[0]
    names = _names(names, n)
    if n == 0:
        return Ranking([], [], [], 0, True, float(prior), "bradley-terry (MM)")
    total_wins = eff.sum(axis=1)
    games = eff + eff.T
    log_pi = np.zeros(n)
    pi = np.ones(n)
    converged, it = n == 1, 0
    while not converged and it < max_iter:
        it += 1
        denom = (games / (pi[:, None] + pi[None, :])).sum(axis=1)
        new_log = np.log(total_wins / denom)
        new_log -= new_log.mean()
        converged = bool(np.max(np.abs(new_log - log_pi)) < tol)
        log_pi, pi = new_log, np.exp(new_log)
    return _ranking(names, log_pi, it, converged, prior, "bradley-terry (MM, ties as half)")


def _davidson_nll(params: np.ndarray, w: np.ndarray, t: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
    n = w.shape[0]
    theta, eta = params[:n], params[n]
    ti, tj = theta[:, None], theta[None, :]
    log_g = eta + (ti + tj) / 2.0
    m = np.maximum(np.maximum(ti, tj), log_g)
    ei, ej, eg = np.exp(ti - m), np.exp(tj - m), np.exp(log_g - m)
    d = ei + ej + eg
    log_d = m + np.log(d)
    a, b, tt = w * mask, w.T * mask, t * mask
    games = a + b + tt
    ll = (a * ti + b * tj + tt * log_g - games * log_d).sum()
    grad_i = a + tt / 2.0 - games * (ei + eg / 2.0) / d
    grad_j = b + tt / 2.0 - games * (ej + eg / 2.0) / d
    g_theta = grad_i.sum(axis=1) + grad_j.sum(axis=0)
    g_eta = (tt - games * eg / d).sum()
    return -ll, -np.concatenate([g_theta, [g_eta]])


def davidson(
    wins: np.ndarray,
    ties: np.ndarray,
    names: list[str] | None = None,
    prior: float = 0.01,
) -> Ranking:
    """Davidson's tie model, fitted by maximum likelihood (L-BFGS on log pi and log nu).

    P(i beats j) = pi_i / D, P(tie) = nu sqrt(pi_i pi_j) / D, D = pi_i + pi_j +
    nu sqrt(pi_i pi_j) (Davidson 1970, JASA 65:317). Two equal systems tie with probability
    nu / (2 + nu). ``prior`` adds pseudo-wins as in ``bradley_terry``; log nu is bounded to
    [-30, 10] so that data without ties give nu ~ 0 rather than failing.
    """
    _prepare(wins, ties, prior)  # validation and connectivity check
    w = np.asarray(wins, dtype=float) + prior * (1.0 - np.eye(len(wins)))
    t = np.asarray(ties, dtype=float)
    n = w.shape[0]
    names = _names(names, n)
    mask = np.triu(np.ones((n, n)), 1)
    start = np.zeros(n + 1)
    bounds = [(None, None)] * n + [(-30.0, 10.0)]
    res = optimize.minimize(
        _davidson_nll,
        start,
        args=(w, t, mask),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-10},
    )
    return _ranking(
        names, res.x[:n], res.nit, res.success, prior, "davidson (maximum likelihood)", nu=float(np.exp(res.x[n]))
    )


def win_probability(elo_i: float, elo_j: float) -> float:
    """P(i beats j) on the Elo scale: 1 / (1 + 10^((R_j - R_i) / 400))."""
    return float(1.0 / (1.0 + ELO_BASE ** ((elo_j - elo_i) / ELO_SCALE)))


def win_share_matrix(wins: np.ndarray, ties: np.ndarray | None = None) -> list[list[float | None]]:
    """Observed share of i over j, ties as half: (wins_ij + ties_ij/2) / (games between
    i and j); None where the pair was never compared (and on the diagonal)."""
    w = np.asarray(wins, dtype=float)
    t = np.zeros_like(w) if ties is None else np.asarray(ties, dtype=float)
    games = w + w.T + t
    share = (w + 0.5 * t) / np.where(games > 0, games, 1.0)
    return [
        [float(share[i, j]) if games[i, j] > 0 and i != j else None for j in range(w.shape[0])]
        for i in range(w.shape[0])
    ]


def ranks_from_intervals(low: list[float] | np.ndarray, high: list[float] | np.ndarray) -> list[int]:
    """Rank_i = 1 + number of systems whose lower bound exceeds i's upper bound (Chatbot
    Arena's rule, Chiang et al. 2024): systems with overlapping intervals share a rank."""
    lo, hi = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return [int(1 + np.count_nonzero(lo > hi[i])) for i in range(lo.size)]
