"""The cheapest mix of human-labelled and judge-only prompts for a target PPI++ half-width.

With the power-tuned weight at its optimum, the PPI++ estimator of a mean has variance
sigma^2 / n * (1 - rho^2 N / (n + N)), with sigma^2 the variance of the humans' per-prompt value,
rho the judge-human correlation of per-prompt values, n labelled and N judge-only prompts
(Angelopoulos, Duchi & Zrnic 2024, PPI++, §2 and the power analysis of ``ppi_py``'s
``ppi_mean_power``; minimise lam^2 s_f^2 / N + (s_y^2 - 2 lam c + lam^2 s_f^2) / n over lam).
A labelled prompt costs its human votes and its judge calls; a judge-only prompt its judge calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._base import AsDict, check_level


@dataclass(frozen=True)
class BudgetPlan(AsDict):
    half_width: float
    level: float
    sigma: float  # sd of the humans' per-prompt value (estimated)
    rho: float  # judge-human correlation of per-prompt values (estimated)
    human_prompts: int
    judge_only_prompts: int
    human_votes: int
    judge_calls: int
    cost: float
    human_only_prompts: int  # prompts needed by humans alone, for comparison
    human_only_cost: float
    method: str = "PPI++ variance sigma^2/n (1 - rho^2 N/(n+N)), cheapest n and N"


def ppi_variance(sigma2: float, rho: float, n: int, big_n: int) -> float:
    """Asymptotic variance of the PPI++ mean with the optimal weight."""
    return sigma2 / n * (1.0 - rho**2 * big_n / (n + big_n)) if n else math.inf


def plan_budget(
    sigma: float,
    rho: float,
    half_width: float,
    price_human_vote: float,
    price_judge_call: float,
    votes_per_prompt: int = 1,
    calls_per_prompt: int = 1,
    level: float = 0.95,
    max_prompts: int | None = None,
) -> BudgetPlan:
    """For every n from 1 up to the humans-only n0 = ceil(z^2 sigma^2 / h^2), the smallest N with
    z^2 var(n, N) <= h^2 (N = n q / (1 - q), q = (1 - n/n0') / rho^2, n0' = z^2 sigma^2 / h^2,
    rounded up; none when q >= 1); the plan is the n of least cost
    n (v c_h + k c_j) + N k c_j, v votes per labelled prompt at c_h each and k judge calls per
    prompt at c_j each. ``max_prompts`` caps n + N (the prompts the study has)."""
    level = check_level(level)
    if half_width <= 0 or sigma < 0 or price_human_vote < 0 or price_judge_call < 0:
        raise ValueError("half_width must be positive, sigma and prices not negative")
    z = float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))
    need = (z * sigma / half_width) ** 2  # n0' (real)
    n0 = max(1, math.ceil(need - 1e-12))
    per_labelled = votes_per_prompt * price_human_vote + calls_per_prompt * price_judge_call
    per_judged = calls_per_prompt * price_judge_call
    rho2 = min(float(rho) ** 2, 1.0 - 1e-12)
    n = np.arange(1, n0 + 1, dtype=float)
    short = 1.0 - n / max(need, 1e-300)  # the share of the variance the judge must remove
    q = short / rho2 if rho2 > 0 else np.where(short <= 0, 0.0, np.inf)
    feasible = q < 1.0
    big_n = np.where(
        q <= 0, 0.0, np.ceil(np.where(feasible, n * np.clip(q, 0, None) / np.where(feasible, 1 - q, 1), 0) - 1e-9)
    )
    if max_prompts is not None:
        feasible &= n + big_n <= max_prompts
    cost = np.where(feasible, n * per_labelled + big_n * per_judged, np.inf)
    best = int(np.argmin(cost))
    human_only_cost = n0 * votes_per_prompt * price_human_vote
    if not np.isfinite(cost[best]) and (max_prompts is not None and n0 > max_prompts):
        raise ValueError("no mix of prompts reaches this half-width within max_prompts")
    if human_only_cost <= cost[best] and (max_prompts is None or n0 <= max_prompts):
        return BudgetPlan(
            half_width,
            level,
            float(sigma),
            float(rho),
            n0,
            0,
            n0 * votes_per_prompt,
            0,
            float(human_only_cost),
            n0,
            float(human_only_cost),
        )
    hp, jp = int(n[best]), int(big_n[best])
    return BudgetPlan(
        half_width,
        level,
        float(sigma),
        float(rho),
        hp,
        jp,
        hp * votes_per_prompt,
        (hp + jp) * calls_per_prompt,
        float(cost[best]),
        n0,
        float(human_only_cost),
    )
