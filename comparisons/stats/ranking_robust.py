"""How robust a Bradley-Terry ranking is: drop-k per adjacent pair, simultaneous rank intervals.

**Drop-k** (in the spirit of Broderick, Giordano & Meager 2020, "An automatic finite-sample
robustness metric", and Huang et al. 2025, "Dropping just a handful of preferences can change
top large language model rankings"): for systems i ranked just above j, the fewest votes whose
removal makes j score at least i. Each vote's first-order effect on d = theta_i - theta_j is
-(e_i - e_j)^T J^+ g_v, with g_v the vote's score (a win of a over b: (1 - p_ab)(e_a - e_b);
a tie: (1/2 - p_ab)(e_a - e_b)) and J the Fisher information. Votes are removed greedily in
order of that effect, the number found by refitting exactly (doubling, then bisection on the
greedy order), so the reported k is achieved by a real refit: an upper bound on the true
minimum (finding the true minimum is combinatorial).

**Simultaneous rank intervals** (Klein, Wright & Wieczorek 2020, "A joint confidence region for
an overall ranking of populations", JRSS-C 69:589): Wald intervals for every difference
theta_i - theta_j at the Bonferroni level 1 - alpha / (k(k-1)/2); system i's rank is at least
1 + #{j surely above i} and at most k - #{j surely below i}. All k intervals hold together with
probability >= 1 - alpha (asymptotically; votes treated as independent).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import expit

from ._base import AsDict
from .ranking_mle import bradley_terry_mle, information, mle_exists, newton_polish

_CELLS = ((1, "win"), (0, "tie"))


@dataclass(frozen=True)
class DropK(AsDict):
    higher: str
    lower: str
    votes_to_swap: int | None  # None: removing every vote that helps the higher one is not enough
    share_of_votes: float | None
    method: str = "greedy by first-order influence, checked by refitting (an upper bound on the minimum)"


@dataclass(frozen=True)
class RankInterval(AsDict):
    system: str
    rank: int
    low: int
    high: int


def _cell_votes(wins: np.ndarray, ties: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(a, b, kind, count): kind 1 = a beat b, 0 = tie between a < b."""
    k = wins.shape[0]
    cells = []
    for a in range(k):
        for b in range(k):
            if a != b and wins[a, b] > 0:
                cells.append((a, b, 1, round(wins[a, b])))
            if a < b and ties[a, b] > 0:
                cells.append((a, b, 0, round(ties[a, b])))
    return cells


def _theta(wins: np.ndarray, ties: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """The fit's theta; from ``start`` by Newton alone when the MLE exists (a refit after a
    few votes are removed starts next to the answer)."""
    if start is not None and mle_exists(wins, ties):
        try:
            theta = newton_polish(start.copy(), wins + 0.5 * ties)[0]
        except np.linalg.LinAlgError:  # a start far from a barely existing optimum: fit from scratch
            theta = np.full_like(start, np.nan)
        if np.all(np.isfinite(theta)):
            return theta
    return np.asarray(bradley_terry_mle(wins, ties).theta)


def _remove(
    wins: np.ndarray, ties: np.ndarray, cells: list[tuple[int, int, int, int]], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The matrices without the first ``n`` votes of ``cells`` ((a, b, kind, count), in removal order)."""
    w, t = wins.copy(), ties.copy()
    left = n
    for a, b, kind, count in cells:
        if left <= 0:
            break
        take = min(count, left)
        left -= take
        if kind == 1:
            w[a, b] -= take
        else:
            t[a, b] -= take
            t[b, a] -= take
    return w, t


def drop_k(wins: np.ndarray, ties: np.ndarray, higher: int, lower: int) -> int | None:
    """Fewest votes (greedy, refit-checked) whose removal puts ``lower`` at or above ``higher``."""
    wins, ties = np.asarray(wins, dtype=float), np.asarray(ties, dtype=float)
    theta = _theta(wins, ties)
    eff = wins + 0.5 * ties
    j_plus = np.linalg.pinv(information(theta, eff + eff.T))
    direction = j_plus[higher] - j_plus[lower]  # (e_i - e_j)^T J^+
    p = expit(theta[:, None] - theta[None, :])
    scored = []
    for a, b, kind, count in _cell_votes(wins, ties):
        weight = (1.0 - p[a, b]) if kind == 1 else (0.5 - p[a, b])
        effect = -weight * (direction[a] - direction[b])  # change of d when one such vote goes
        if effect < 0:
            scored.append((effect, a, b, kind, count))
    scored.sort()
    order = [(a, b, kind, count) for _, a, b, kind, count in scored]
    total = sum(count for *_, count in order)

    def swapped(n: int) -> bool:
        th = _theta(*_remove(wins, ties, order, n), start=theta)  # with the prior if the MLE stops existing
        return bool(th[lower] >= th[higher])

    if not order or not swapped(total):
        return None
    hi = 1
    while hi < total and not swapped(hi):
        hi *= 2
    hi = min(hi, total)
    lo = hi // 2  # swapped(lo) is False (or lo = 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if swapped(mid):
            hi = mid
        else:
            lo = mid
    return hi


def drop_k_adjacent(wins: np.ndarray, ties: np.ndarray, names: list[str]) -> list[DropK]:
    """Drop-k for every adjacent pair of the MLE ranking (highest first)."""
    wins, ties = np.asarray(wins, dtype=float), np.asarray(ties, dtype=float)
    theta = _theta(wins, ties)
    order = np.argsort(-theta, kind="stable")
    total = round(wins.sum() + ties.sum() / 2.0)
    out = []
    for i, j in itertools.pairwise(order):
        k = drop_k(wins, ties, int(i), int(j))
        out.append(DropK(names[i], names[j], k, None if k is None or total == 0 else k / total))
    return out


def simultaneous_rank_intervals(
    theta: np.ndarray | list[float], covariance: np.ndarray | list[list[float]], names: list[str], level: float = 0.95
) -> list[RankInterval]:
    """Rank intervals holding for all systems together (Bonferroni over the k(k-1)/2 pairs)."""
    th = np.asarray(theta, dtype=float)
    cov = np.asarray(covariance, dtype=float)
    k = th.size
    pairs = max(k * (k - 1) // 2, 1)
    z = float(stats.norm.ppf(1.0 - (1.0 - level) / (2.0 * pairs)))
    var = np.diag(cov)[:, None] + np.diag(cov)[None, :] - 2.0 * cov
    se = np.sqrt(np.maximum(var, 0.0))
    diff = th[:, None] - th[None, :]
    above = (diff - z * se) > 0  # above[i, j]: i surely above j
    np.fill_diagonal(above, False)
    point = 1 + np.argsort(np.argsort(-th, kind="stable"), kind="stable")
    return [
        RankInterval(names[i], int(point[i]), int(1 + above[:, i].sum()), int(k - above[i, :].sum())) for i in range(k)
    ]
