"""A length-controlled win rate in the manner of length-controlled AlpacaEval.

Dubois et al. (2024), "Length-Controlled AlpacaEval", fit a GLM of the judge's preference on
the length difference (among other terms) and report the win rate predicted with the length
term set to zero. Here, per pair of systems: the score y = 1 win, 0.5 tie, 0 loss of the
first system is modelled as P(y) = sigmoid(b0 + b1 * tanh(d / sd(d))), d = length of the first
system's response minus the second's, fitted by maximum likelihood with fractional
responses (ties as half), L-BFGS with a small ridge on b1 (1e-4, as the reference keeps
coefficients from diverging). The length-controlled win rate is sigmoid(b0): the win rate
when both responses have the same length. Without length variation it equals the raw win
rate exactly. The likelihood is summed over the distinct length differences (with the
number of votes and the sum of scores at each), the same sums grouped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from ._base import AsDict, as_outcomes, distinct

RIDGE = 1e-4


@dataclass(frozen=True)
class LengthControlled(AsDict):
    n: int
    win_rate: float | None  # raw, ties as half
    length_controlled_win_rate: float | None
    length_coefficient: float | None  # b1: > 0 means the longer answer is preferred
    method: str = "logistic GLM on tanh-scaled length difference (length-controlled AlpacaEval)"


def length_controlled_win_rate(
    length_diff: np.ndarray | list[float],
    outcomes: np.ndarray | list[int],
    grouped: tuple[np.ndarray, np.ndarray] | None = None,
) -> LengthControlled:
    """The fit above for one pair. ``grouped``: the sorted distinct differences and each vote's
    index among them (``distinct(length_diff)``), when the caller has them already."""
    d = np.asarray(length_diff, dtype=float)
    y = (as_outcomes(outcomes) + 1) / 2.0
    if d.shape != y.shape:
        raise ValueError("length_diff and outcomes must have the same length")
    n = int(y.size)
    if n == 0:
        return LengthControlled(0, None, None, None)
    raw = float(y.mean())
    sd = d.std()
    if sd == 0 or raw in (0.0, 1.0):
        return LengthControlled(n, raw, raw, 0.0 if sd == 0 else None)
    values, inverse = distinct(d) if grouped is None else grouped
    x = np.tanh(values / sd)
    votes = np.bincount(inverse, minlength=values.size).astype(float)
    score = np.bincount(inverse, weights=y, minlength=values.size)

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = beta[0] + beta[1] * x
        nll = float(votes @ np.logaddexp(0, z) - score @ z) / n + RIDGE * beta[1] ** 2
        r = (votes * special.expit(z) - score) / n
        return nll, np.array([r.sum(), r @ x + 2 * RIDGE * beta[1]])

    start = np.array([special.logit(np.clip(raw, 1e-6, 1 - 1e-6)), 0.0])
    fit = optimize.minimize(loss, start, jac=True, method="L-BFGS-B")
    return LengthControlled(n, raw, float(special.expit(fit.x[0])), float(fit.x[1]))
