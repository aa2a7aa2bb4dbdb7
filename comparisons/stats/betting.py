"""Betting confidence sequences for the mean of observations in [0, 1] (hedged capital).

Waudby-Smith & Ramdas (2023), "Estimating means of bounded random variables by betting",
JRSS-B 86:1, Section 4 (hedged capital process, eq. 25-27, with the predictable plug-in bets
of Remark 3). For a candidate mean m and observations x_1, x_2, ... in [0, 1]:

    K+_t(m) = prod_{i<=t} (1 + l+_i(m) (x_i - m)),   l+_i(m) = min(l_i, c / m)
    K-_t(m) = prod_{i<=t} (1 - l-_i(m) (x_i - m)),   l-_i(m) = min(l_i, c / (1 - m))
    K_t(m)  = max(theta K+_t(m), (1 - theta) K-_t(m)),  theta = 1/2, c = 1/2

with the predictable bet l_i = sqrt(2 log(2/alpha) / (s2_{i-1} i log(1 + i))),
mu_t = (1/2 + sum x) / (t + 1), s2_t = (1/4 + sum (x_i - mu_i)^2) / (t + 1). Under the null
mean m both processes are nonnegative martingales, so by Ville's inequality
P(exists t: K_t(m) >= 1/alpha) <= alpha: C_t = {m : K_t(m) < 1/alpha} covers the mean at
every t simultaneously, and so does the running intersection of C_1 .. C_t.

K+_t(m) is nonincreasing in m and K-_t(m) nondecreasing (each factor is), so the running
intersection is the interval [L, U] with L = inf{m : max_{s<=t} K+_s(m) < 1/(theta alpha)}
and U = sup{m : max_{s<=t} K-_s(m) < 1/((1 - theta) alpha)}: both found by narrowing a
bracket to 1e-10 (rounded outwards), rather than on confseq's one grid of 1000 candidate
means (which rounds outwards by one grid step): on successive grids for short sequences, by
regula falsi (Illinois) for long ones.
"""

from __future__ import annotations

import numpy as np

THETA = 0.5  # weight of the upward bet in the hedge
TRUNCATION = 0.5  # c: bets never risk more than half the capital
_PRECISION = 1e-10  # interval ends to within this, rounded outwards


def predictable_bets(x: np.ndarray, alpha: float) -> np.ndarray:
    """l_i = sqrt(2 log(2/alpha) / (s2_{i-1} i log(1 + i))), each from x_1 .. x_{i-1} only
    (WSR 2023, eq. 26, the "predictable plug-in"; prior mean 1/2, variance 1/4, one fake
    observation, as confseq's ``lambda_predmix_eb``)."""
    t = np.arange(1, x.size + 1, dtype=float)
    mu = np.minimum((0.5 + np.cumsum(x)) / (t + 1.0), 1.0)
    s2 = (0.25 + np.cumsum((x - mu) ** 2)) / (t + 1.0)
    s2_prev = np.concatenate([[0.25], s2[:-1]])
    return np.asarray(np.sqrt(2.0 * np.log(2.0 / alpha) / (s2_prev * t * np.log1p(t))))


def _max_log_capital(x: np.ndarray, bets: np.ndarray, m: np.ndarray) -> np.ndarray:
    """max over t of log K+_t(m), for each candidate mean in ``m`` (at m = 0 the bet is l_i itself)."""
    m = m[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.minimum(bets[None, :], TRUNCATION / m)
        log_k = np.cumsum(np.log1p(lam * (x[None, :] - m)), axis=1)
    return np.asarray(log_k.max(axis=1))


def hedged_interval(x: np.ndarray | list[float], alpha: float = 0.05) -> tuple[float, float]:
    """The running intersection of the hedged-capital confidence sequence after all of ``x``
    (observations in [0, 1] in the order they arrived): ``(low, high)``, ``(0, 1)`` for no data.

    Valid at every t simultaneously at level 1 - alpha (see the module docstring)."""
    xs = np.asarray(x, dtype=float)
    if xs.size and (xs.min() < 0.0 or xs.max() > 1.0):
        raise ValueError("observations must lie in [0, 1]")
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must be in (0, 1)")
    if xs.size == 0:
        return 0.0, 1.0
    bets = predictable_bets(xs, alpha)
    up, down = np.log(1.0 / (THETA * alpha)), np.log(1.0 / ((1.0 - THETA) * alpha))
    return _lower(xs, bets, up), _upper(xs, bets, down)


def _lower(x: np.ndarray, bets: np.ndarray, threshold: float) -> float:
    """inf{m : max_t log K+_t(m) < threshold}: max_t log K+_t(m) is nonincreasing in m, so a
    bracket [lo, hi] (K+ rejects lo, not hi) is narrowed to _PRECISION and lo returned (outwards).
    Short sequences narrow it on grids of candidates; long ones (each candidate costs a pass over
    the sequence) by regula falsi, `_lower_falsi`, which needs far fewer candidates."""
    if _max_log_capital(x, bets, np.array([0.0]))[0] < threshold:
        return 0.0  # at m = 1 every factor is <= 1: K+ never rejects
    if x.size >= _FALSI_FROM:
        return _lower_falsi(x, bets, threshold)
    return _lower_grid(x, bets, threshold)


_FALSI_FROM = 2000  # observations from which a candidate costs more than the arithmetic of choosing it


def _lower_grid(x: np.ndarray, bets: np.ndarray, threshold: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """`_lower` on successive grids inside the bracket [lo, hi] (K+ rejects lo, not hi)."""
    points = 63 if x.size < 2000 else 7  # candidates a round: few for long sequences (cost x.size each)
    while hi - lo > _PRECISION:
        grid = np.linspace(lo, hi, points + 2)[1:-1]
        accept = _max_log_capital(x, bets, grid) < threshold
        first = int(np.argmax(accept)) if accept.any() else points
        lo = grid[first - 1] if first > 0 else lo
        hi = grid[first] if first < points else hi
    return float(lo) if lo > 0.0 else 0.0  # lo is rejected, the true end lies in (lo, hi]: outwards


def _lower_falsi(x: np.ndarray, bets: np.ndarray, threshold: float) -> float:
    """`_lower` by the Illinois variant of regula falsi on g(m) = max_t log K+_t(m) - threshold,
    continuous and nonincreasing in m: each candidate is where the chord through the bracket's
    ends crosses zero, the bracket keeps g(lo) >= 0 > g(hi) as evaluated, an end kept twice has
    its value halved (so the bracket closes from both sides), and a step that does not halve the
    bracket within three is a bisection. The same bracket invariant as the grids: lo is rejected,
    hi is not, and lo is returned once hi - lo <= _PRECISION."""

    def g(m: float) -> float:
        return float(_max_log_capital(x, bets, np.array([m]))[0]) - threshold

    lo, hi = 0.0, 1.0
    g_lo, g_hi = g(lo), g(hi)
    if not (g_lo >= 0.0 > g_hi) or not np.isfinite(g_lo):
        return _lower_grid(x, bets, threshold)
    kept, widths = 0, [hi - lo]
    while hi - lo > _PRECISION:
        if len(widths) > 3 and widths[-1] > widths[-4] / 2:
            m = 0.5 * (lo + hi)  # slow progress: bisect
        else:
            m = (lo * g_hi - hi * g_lo) / (g_hi - g_lo)
            if not lo < m < hi:
                m = 0.5 * (lo + hi)
        value = g(m)
        if value >= 0.0:
            lo, g_lo = m, value
            if kept == -1:
                g_hi /= 2.0
            kept = -1  # hi kept
        else:
            hi, g_hi = m, value
            if kept == 1:
                g_lo /= 2.0
            kept = 1  # lo kept
        widths.append(hi - lo)
    return float(lo) if lo > 0.0 else 0.0


def _upper(x: np.ndarray, bets: np.ndarray, threshold: float) -> float:
    """sup{m : max_t log K-_t(m) < threshold} = 1 - the lower end for 1 - x (same bets)."""
    return 1.0 - _lower(1.0 - x, bets, threshold)


def hedged_sequence(x: np.ndarray | list[float], alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """(low_t, high_t) for t = 1 .. n: the running intersection after each observation.

    O(n^2 log): for tests and small n; the results use ``hedged_interval``."""
    xs = np.asarray(x, dtype=float)
    lows, highs = np.empty(xs.size), np.empty(xs.size)
    for t in range(xs.size):
        lows[t], highs[t] = hedged_interval(xs[: t + 1], alpha)
    return lows, highs


def hedged_path(x: np.ndarray | list[float], alpha: float = 0.05, breaks: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """(low_t, high_t) for every t at once, on a grid of ``breaks`` + 1 candidate means, ends
    rounded outwards by one grid step (as confseq's grid method): for simulations that need
    the whole path. O(breaks x n) memory and time."""
    xs = np.asarray(x, dtype=float)
    if xs.size == 0:
        return np.zeros(0), np.ones(0)
    bets = predictable_bets(xs, alpha)
    grid = np.linspace(0.0, 1.0, breaks + 1)
    lows = []
    for values, threshold in ((xs, np.log(1.0 / (THETA * alpha))), (1.0 - xs, np.log(1.0 / ((1.0 - THETA) * alpha)))):
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = np.minimum(bets[None, :], TRUNCATION / grid[:, None])
            log_k = np.cumsum(np.log1p(lam * (values[None, :] - grid[:, None])), axis=1)
        rejected = np.maximum.accumulate(log_k, axis=1) >= threshold  # a prefix of the grid at each t
        lows.append(np.maximum(rejected.sum(axis=0) - 1, 0) / breaks)
    return lows[0], 1.0 - lows[1]
