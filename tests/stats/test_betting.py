"""The hedged-capital betting confidence sequence against the reference package confseq
(PyPI 0.0.11, Waudby-Smith's own code) and a transcription of it.

confseq has no wheel for Python 3.11 and its build pins pybind11 2.6.2, whose headers use
CPython internals removed in 3.11; ./run test builds it against a newer pybind11
(requirements-confseq.txt). Where it could not be built the comparison with it skips and says
why, and the transcription below stands in: a direct transcription of the algorithm as confseq's `betting_mart`,
`cs_from_martingale` and `lambda_predmix_eb` compute it (Waudby-Smith & Ramdas 2023, Section 4):
the capital of every candidate mean on confseq's grid of 1000, one observation at a time, in
plain Python loops, the interval ends rounded outwards by one grid step as confseq does, and
the running intersection.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from comparisons.stats.betting import hedged_interval, hedged_sequence

BREAKS = 1000


def reference_hedged_cs(x: list[float], alpha: float, breaks: int = BREAKS) -> tuple[list[float], list[float]]:
    """confseq's hedged_cs (theta 1/2, trunc_scale 1/2, m_trunc, running intersection), with the
    bets of ``lambda_predmix_eb(x, alpha=alpha / 2)`` on both sides (log(2/alpha), as the paper)."""
    n = len(x)
    bets, _mean, var, total, squares = [], 0.5, 0.25, 0.0, 0.0
    for t, value in enumerate(x, start=1):
        bets.append(math.sqrt(2 * math.log(2 / alpha) / (var * t * math.log(1 + t))))
        total += value
        mu_t = min((0.5 + total) / (t + 1), 1.0)
        squares += (value - mu_t) ** 2
        _mean, var = mu_t, (0.25 + squares) / (t + 1)
    grid = [i / breaks for i in range(breaks + 1)]
    inside = [[False] * n for _ in grid]
    for g, m in enumerate(grid):
        up = down = 1.0
        for t, value in enumerate(x):
            lam_up = min(bets[t], 0.5 / m) if m > 0 else bets[t]
            lam_down = min(bets[t], 0.5 / (1 - m)) if m < 1 else bets[t]
            up *= 1 + lam_up * (value - m)
            down *= 1 - lam_down * (value - m)
            inside[g][t] = max(0.5 * up, 0.5 * down) < 1 / alpha
    low, high = [], []
    for t in range(n):
        members = [grid[g] for g in range(len(grid)) if inside[g][t]]
        lo, hi = (members[0], members[-1]) if members else (0.0, 1.0)
        low.append(max(0.0, lo - 1 / breaks))
        high.append(min(1.0, hi + 1 / breaks))
    return list(np.maximum.accumulate(low)), list(np.minimum.accumulate(high))


@pytest.mark.parametrize("kind", ["uniform", "three-point", "skewed"])
def test_hedged_sequence_equals_the_reference_to_one_grid_step_at_every_t(kind):
    rng = np.random.default_rng(7)
    x = {
        "uniform": rng.random(40),
        "three-point": rng.choice([0.0, 0.5, 1.0], 40, p=[0.3, 0.2, 0.5]),
        "skewed": rng.beta(0.5, 3.0, 40),
    }[kind]
    ours_low, ours_high = hedged_sequence(x, alpha=0.05)
    ref_low, ref_high = reference_hedged_cs(list(x), alpha=0.05)
    # confseq's ends lie one grid step outside the exact ends at most, never inside them
    assert np.all(np.asarray(ref_low) <= ours_low + 1e-9)
    assert np.all(ours_low <= np.asarray(ref_low) + 1 / BREAKS + 1e-9)
    assert np.all(np.asarray(ref_high) >= ours_high - 1e-9)
    assert np.all(ours_high >= np.asarray(ref_high) - 1 / BREAKS - 1e-9)


def confseq_betting():
    """confseq.betting, or skip saying why (it uses ``np.float_``, an alias NumPy 2 removed)."""
    np.float_ = np.float64  # type: ignore[attr-defined]  # confseq.misc's annotations name it
    try:
        from confseq import betting
    except ImportError as exc:
        pytest.skip(f"confseq is not installed ({exc}): ./run test builds it, see requirements-confseq.txt")
    return betting


@pytest.mark.parametrize("kind", ["uniform", "three-point", "skewed", "lima-like"])
def test_hedged_sequence_equals_confseq_to_one_grid_step_at_every_t(kind):
    betting = confseq_betting()
    rng = np.random.default_rng(11)
    x = {
        "uniform": rng.random(60),
        "three-point": rng.choice([0.0, 0.5, 1.0], 60, p=[0.3, 0.2, 0.5]),
        "skewed": rng.beta(0.5, 3.0, 60),
        # per-prompt win rates of three votes (ties as half), as the results feed the sequence
        "lima-like": rng.choice([0.0, 0.5, 1.0], (60, 3), p=[0.35, 0.21, 0.44]).mean(axis=1),
    }[kind]
    ours_low, ours_high = hedged_sequence(x, alpha=0.05)
    ref_low, ref_high = betting.betting_cs(x, alpha=0.05, breaks=BREAKS, running_intersection=True)
    ref_low, ref_high = np.asarray(ref_low), np.asarray(ref_high)
    # confseq's grid ends lie at most one grid step outside the exact ends, never inside them
    assert np.all(ref_low <= ours_low + 1e-9) and np.all(ours_low <= ref_low + 1 / BREAKS + 1e-9)
    assert np.all(ref_high >= ours_high - 1e-9) and np.all(ours_high >= ref_high - 1 / BREAKS - 1e-9)
    assert ours_high[-1] - ours_low[-1] < 0.6  # and the data did narrow it


def test_the_transcription_equals_confseq():
    betting = confseq_betting()
    x = np.random.default_rng(5).choice([0.0, 0.5, 1.0], 40, p=[0.3, 0.2, 0.5])
    ref_low, ref_high = betting.betting_cs(x, alpha=0.05, breaks=BREAKS, running_intersection=True)
    low, high = reference_hedged_cs(list(x), alpha=0.05)
    assert np.allclose(low, ref_low, atol=1e-12) and np.allclose(high, ref_high, atol=1e-12)


def test_the_sequence_never_widens_and_narrows_with_data():
    x = np.random.default_rng(3).choice([0.0, 0.5, 1.0], 300)
    low, high = hedged_sequence(x[:60])
    assert np.all(np.diff(low) >= 0) and np.all(np.diff(high) <= 0)
    assert high[-1] - low[-1] < 0.6
    wide, narrow = hedged_interval(x[:30]), hedged_interval(x)
    assert narrow[1] - narrow[0] < wide[1] - wide[0] < 1


def test_one_or_two_prompts_give_no_false_certainty():
    assert hedged_interval([0.25]) == pytest.approx((0.0, 1.0), abs=1e-9)
    low, high = hedged_interval([0.25, 0.25])
    assert high - low > 0.9
    assert hedged_interval([]) == (0.0, 1.0)


def test_the_interval_always_contains_the_sample_mean_of_constant_data():
    low, high = hedged_interval(np.full(200, 0.7))
    assert low < 0.7 < high and high - low < 0.2


def test_bad_observations_are_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        hedged_interval([0.5, 1.5])
    with pytest.raises(ValueError, match="alpha"):
        hedged_interval([0.5], alpha=1.0)


@pytest.mark.parametrize("kind", ["lima-like", "uniform", "skewed", "all-wins"])
def test_long_sequences_find_the_same_ends_by_regula_falsi_as_on_grids(kind):
    from comparisons.stats import betting

    rng = np.random.default_rng(17)
    n = 5_000
    x = {
        "lima-like": rng.choice([0.0, 0.5, 1.0], (n, 3), p=[0.35, 0.21, 0.44]).mean(axis=1),
        "uniform": rng.random(n),
        "skewed": rng.beta(0.5, 3.0, n),
        "all-wins": np.ones(n),
    }[kind]
    bets = betting.predictable_bets(x, 0.05)
    threshold = math.log(1 / (betting.THETA * 0.05))
    for values in (x, 1.0 - x):
        grid = betting._lower_grid(values, bets, threshold)
        falsi = betting._lower(values, bets, threshold)
        assert abs(falsi - grid) <= 2e-10
        if falsi > 0:  # the end returned is rejected, and a point 1e-10 above it is not: outwards, and tight
            capital = betting._max_log_capital(values, bets, np.array([falsi, falsi + 1.01e-10]))
            assert capital[0] >= threshold > capital[1]
