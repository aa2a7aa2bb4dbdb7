"""The PPI++ budget planner: its plan reaches the half-width, and no cheaper mix does."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from comparisons.stats.ppi_planning import plan_budget, ppi_variance


def _reaches(plan_sigma, rho, n, big_n, h, z):
    return z * math.sqrt(ppi_variance(plan_sigma**2, rho, n, big_n)) <= h + 1e-12


def test_a_cheap_judge_that_tracks_humans_costs_less_than_humans_alone():
    plan = plan_budget(0.5, 0.8, 0.05, 1.0, 0.01, calls_per_prompt=2)
    assert 0 < plan.human_prompts < plan.human_only_prompts and plan.judge_only_prompts > 0
    assert plan.cost < 0.6 * plan.human_only_cost


@pytest.mark.parametrize("rho,human,judge", [(0.8, 1.0, 0.01), (0.5, 0.3, 0.05), (0.95, 2.0, 0.2)])
def test_plan_is_the_cheapest_mix_found_by_brute_force(rho, human, judge):
    sigma, h = 0.5, 0.05
    z = float(stats.norm.ppf(0.975))
    plan = plan_budget(sigma, rho, h, human, judge, votes_per_prompt=1, calls_per_prompt=2)
    assert _reaches(sigma, rho, plan.human_prompts, plan.judge_only_prompts, h, z)
    best = plan.human_only_prompts * human  # humans alone, no judge call
    big_n = np.arange(0, 20000)
    for n in range(1, plan.human_only_prompts + 1):
        ok = z * np.sqrt(sigma**2 / n * (1 - rho**2 * big_n / (n + big_n))) <= h + 1e-12
        if ok.any():
            best = min(best, n * (human + 2 * judge) + big_n[ok][0] * 2 * judge)
    assert plan.cost == pytest.approx(best)


def test_without_correlation_the_plan_is_humans_alone():
    plan = plan_budget(0.5, 0.0, 0.05, 1.0, 0.01)
    assert plan.judge_only_prompts == 0
    assert plan.human_prompts == plan.human_only_prompts == math.ceil((1.959963984540054 * 0.5 / 0.05) ** 2)


def test_max_prompts_limits_the_judge_only_prompts():
    free = plan_budget(0.5, 0.9, 0.03, 1.0, 0.001)
    capped = plan_budget(0.5, 0.9, 0.03, 1.0, 0.001, max_prompts=free.human_prompts + free.judge_only_prompts // 4)
    assert capped.human_prompts + capped.judge_only_prompts <= free.human_prompts + free.judge_only_prompts // 4
    assert capped.cost >= free.cost
    with pytest.raises(ValueError):
        plan_budget(0.5, 0.9, 0.03, 1.0, 0.001, max_prompts=10)


def test_variance_formula_matches_the_simulated_ppi_variance():
    from comparisons.stats.ppi import ppi_mean

    rng = np.random.default_rng(3)
    n, big_n, estimates = 100, 400, []
    for _ in range(3000):
        x = rng.normal(size=n + big_n)
        y = x[:n] + rng.normal(size=n)  # rho = 1/sqrt(2), sigma^2 = 2
        estimates.append(ppi_mean(y, x[:n], x[n:]).estimate)
    assert np.var(estimates) == pytest.approx(ppi_variance(2.0, 1 / math.sqrt(2), n, big_n), rel=0.12)
