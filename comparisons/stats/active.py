"""Active inference: humans label the prompts where the judge is least certain, and the estimator
weighs each human label by the inverse of the probability it was asked for.

Source: Zrnic & Candès (2024), "Active Statistical Inference", ICML (arXiv:2403.03208), §3: for
prompts i = 1..n with judge prediction f_i, each is sent to humans with probability pi_i
(xi_i ~ Bernoulli(pi_i), independently), and

    theta = mean_i [ lam f_i + (Y_i - lam f_i) xi_i / pi_i ],

unbiased for the mean of Y for any lam and any pi > 0; the interval is theta -/+ z se with se^2 the
sample variance (ddof 1) of the summands over n. lam is power-tuned as in PPI++ (the plug-in
minimiser of the summands' variance, clipped to [0, 1]). The sampling rule of §4: pi_i proportional
to the judge's uncertainty sqrt(f_i (1 - f_i)) (a share's standard deviation), scaled so that the
expected number of labelled prompts is the budget, and mixed with the uniform rule (weight ``mix``)
so no probability is too small. Only the statistics: the rater path does not serve prompts by these
probabilities yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from ._base import AsDict, check_level


@dataclass(frozen=True)
class ActiveMean(AsDict):
    estimate: float | None
    low: float | None
    high: float | None
    level: float
    lam: float | None
    n_prompts: int
    n_labelled: int
    method: str = "active inference (Zrnic & Candès 2024), inverse-probability weighted, power-tuned"


def sampling_probabilities(f: ArrayLike, budget: float, mix: float = 0.1) -> np.ndarray:
    """pi_i = (1 - mix) b u_i / sum(u) + mix b / n, u_i = sqrt(f_i (1 - f_i)), capped at 1 (the
    excess spread over the others until none exceeds 1); sum(pi) = b, the expected number of prompts
    humans label (0 < b <= n)."""
    f_ = np.clip(np.asarray(f, dtype=float), 0.0, 1.0)
    n = f_.size
    if not 0 < budget <= n:
        raise ValueError("budget must be positive and at most the number of prompts")
    if not 0 <= mix <= 1:
        raise ValueError("mix must be in [0, 1]")
    u = np.sqrt(f_ * (1.0 - f_))
    base = u / u.sum() if u.sum() > 0 else np.full(n, 1.0 / n)
    pi = budget * ((1.0 - mix) * base + mix / n)
    for _ in range(n):  # water-filling: cap at 1, give the rest to the uncapped in proportion
        over = pi > 1.0
        if not over.any():
            break
        free = ~over & (pi < 1.0)
        excess = float((pi[over] - 1.0).sum())
        pi[over] = 1.0
        pi[free] += excess * pi[free] / pi[free].sum()
    out: np.ndarray = pi
    return out


def active_mean(
    f: ArrayLike,
    pi: ArrayLike,
    labelled: ArrayLike,
    y: ArrayLike,
    level: float = 0.95,
    lam: float | None = None,
) -> ActiveMean:
    """``f``, ``pi``, ``labelled`` (xi) per prompt; ``y`` the human value per prompt (read only where
    labelled; NaN elsewhere is fine)."""
    level = check_level(level)
    f_, p_ = np.asarray(f, dtype=float), np.asarray(pi, dtype=float)
    xi = np.asarray(labelled, dtype=bool)
    y_ = np.where(xi, np.nan_to_num(np.asarray(y, dtype=float)), 0.0)
    if not (f_.shape == p_.shape == xi.shape == y_.shape) or f_.ndim != 1:
        raise ValueError("f, pi, labelled and y must be one-dimensional and of the same length")
    if ((p_ <= 0) | (p_ > 1)).any():
        raise ValueError("every sampling probability must be in (0, 1]")
    n = f_.size
    if n < 2:
        return ActiveMean(None, None, None, level, None, n, int(xi.sum()))
    w = xi / p_
    if lam is None:  # minimise var(lam f + (y - lam f) w) = var(a + lam b), a = y w, b = f (1 - w)
        a, b = y_ * w, f_ * (1.0 - w)
        var_b = float(np.var(b, ddof=1))
        lam = 0.0 if var_b == 0 else float(np.clip(-np.cov(a, b, ddof=1)[0, 1] / var_b, 0.0, 1.0))
    terms = lam * f_ + (y_ - lam * f_) * w
    theta = float(terms.mean())
    se = float(np.std(terms, ddof=1) / np.sqrt(n))
    z = float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))
    return ActiveMean(theta, theta - z * se, theta + z * se, level, float(lam), n, int(xi.sum()))
