"""Chatbot Arena's current Bradley-Terry bootstrap, written from its description, as the
reference for bench/stats.py (not used by the service).

The battles are collapsed to unique (model_a, model_b, outcome) rows with counts; each
round draws multinomial weights over those rows (as many draws as battles) and refits the
ratings with scipy's L-BFGS-B on the weighted logistic loss, outcome 1 for a win of
model_a, 0 for a loss and 1/2 for a tie, logit = ln(10) (r_a - r_b); Elo = 400 r + 1000;
the interval is the 2.5 and 97.5 percentiles over rounds. Like the Arena's code it starts
every fit at zero and stops at gtol 1e-6 (maxiter 100), on weights that sum to one."""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

SCALE, BASE, INIT = 400.0, 10.0, 1000.0


def collapse(
    model_a: np.ndarray, model_b: np.ndarray, outcome: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (model_a, model_b, outcome) rows from outcomes +1 / 0 / -1 for model_a:
    matchups (rows x 2), the target per row (1 win, 0.5 tie, 0 loss of model_a), and the
    number of battles per row."""
    rows, counts = np.unique(np.stack([model_a, model_b, outcome + 1], axis=1), axis=0, return_counts=True)
    return rows[:, :2], rows[:, 2] / 2.0, counts.astype(float)


def _loss_and_grad(ratings, matchups, outcomes, weights, alpha):
    logits = alpha * (ratings[matchups[:, 0]] - ratings[matchups[:, 1]])
    probs = special.expit(logits)
    loss = -((np.log(probs) * outcomes + np.log(1.0 - probs) * (1.0 - outcomes)) * weights).sum()
    g = (probs - outcomes) * weights * alpha
    grad = np.zeros_like(ratings)
    np.add.at(grad, matchups[:, 0], g)
    np.add.at(grad, matchups[:, 1], -g)
    return loss, grad


def fit(
    matchups: np.ndarray, outcomes: np.ndarray, weights: np.ndarray, n_models: int, tol: float = 1e-6
) -> np.ndarray:
    """Elo ratings (400 r + 1000) from weighted unique rows."""
    res = optimize.minimize(
        _loss_and_grad,
        np.zeros(n_models),
        args=(matchups, outcomes, weights, np.log(BASE)),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 100, "gtol": tol},
    )
    return SCALE * res.x + INIT


def bootstrap(
    model_a: np.ndarray, model_b: np.ndarray, outcome: np.ndarray, n_models: int, n_rounds: int = 1000, seed: int = 0
) -> dict:
    """Point ratings, per-round ratings and 2.5 / 97.5 percentiles."""
    matchups, outcomes, counts = collapse(model_a, model_b, outcome)
    n = int(counts.sum())
    point = fit(matchups, outcomes, counts / n, n_models)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts / n, size=n_rounds) / n
    rounds = np.array([fit(matchups, outcomes, w, n_models) for w in draws])
    lo, hi = np.percentile(rounds, [2.5, 97.5], axis=0)
    return {"point": point, "rounds": rounds, "low": lo, "high": hi}
