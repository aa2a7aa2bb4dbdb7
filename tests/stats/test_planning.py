from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from comparisons.stats.planning import plan_votes, votes_needed


def _wilson_half_width(n: int, p: float, z: float) -> float:
    return z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))


def test_wald_plan_for_plus_minus_five_points_at_half_is_the_classic_385():
    assert votes_needed(0.05, 0.5, method="wald") == 385  # 1.96^2 / (4 * 0.05^2) = 384.1...


@pytest.mark.parametrize("p", [0.5, 0.7, 0.9, 0.97])
@pytest.mark.parametrize("h", [0.02, 0.05, 0.1])
def test_wilson_plan_is_the_smallest_n_with_the_target_half_width(p, h):
    z = norm.ppf(0.975)
    n = votes_needed(h, p)
    assert _wilson_half_width(n, p, z) <= h + 1e-12
    assert _wilson_half_width(n - 1, p, z) > h


def test_design_effect_multiplies_the_votes_needed():
    base = votes_needed(0.05, 0.5, method="wald")
    assert votes_needed(0.05, 0.5, method="wald", design_effect=2.0) == math.ceil(2 * 384.1458820694124)
    assert base < votes_needed(0.05, 0.5, method="wald", design_effect=1.5)


def test_plan_counts_votes_still_needed_from_the_observed_share():
    plan = plan_votes(30, 50)
    assert plan.share == pytest.approx(0.6)
    assert plan.votes_needed == votes_needed(0.05, 0.6)
    assert plan.votes_still_needed == plan.votes_needed - 50


def test_plan_with_no_votes_assumes_a_half_share():
    plan = plan_votes(0, 0)
    assert plan.share == 0.5 and plan.votes_still_needed == votes_needed(0.05, 0.5)


def test_a_pair_with_enough_votes_needs_no_more():
    assert plan_votes(500, 1000).votes_still_needed == 0


def test_planning_refuses_impossible_targets():
    with pytest.raises(ValueError):
        votes_needed(0.0)
    with pytest.raises(ValueError):
        votes_needed(0.05, design_effect=0.5)
    with pytest.raises(ValueError):
        plan_votes(5, 4)
