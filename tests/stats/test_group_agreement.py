"""Count-based tie-discounted accuracy equals the pairwise definition; length control."""

from __future__ import annotations

import numpy as np
import pytest

from comparisons.stats.agreement import tie_discounted_accuracy
from comparisons.stats.group_agreement import bootstrap_tie_discounted_accuracy, tie_discounted_accuracy_counts
from comparisons.stats.length_control import length_controlled_win_rate


def random_ratings(rng, raters=6, items=80, p_missing=0.4):
    data = rng.choice([-1.0, 0.0, 1.0], size=(raters, items), p=[0.4, 0.2, 0.4])
    data[rng.random(data.shape) < p_missing] = np.nan
    return data


def counts_of(data):
    return np.stack([(data == v).sum(axis=0) for v in (-1, 0, 1)], axis=1)


def test_counts_version_equals_the_pairwise_loop_within_a_group():
    rng = np.random.default_rng(1)
    data = random_ratings(rng)
    loop = tie_discounted_accuracy(data)
    fast = tie_discounted_accuracy_counts(counts_of(data))
    assert fast.value == pytest.approx(loop.value, abs=1e-12)
    assert fast.n_items == loop.n_items


def test_counts_version_between_groups_equals_the_loop_over_cross_pairs_only():
    rng = np.random.default_rng(2)
    a, b = random_ratings(rng, raters=4), random_ratings(rng, raters=3)
    scores = []
    for r in a:
        for s in b:
            shared = ~np.isnan(r) & ~np.isnan(s)
            x, y = r[shared], s[shared]
            scores += list(np.where(x == y, 1.0, np.where((x == 0) ^ (y == 0), 0.5, 0.0)))
    fast = tie_discounted_accuracy_counts(counts_of(a), counts_of(b))
    assert fast.value == pytest.approx(np.mean(scores), abs=1e-12) and fast.n_items == len(scores)


def test_lima_worked_values_full_agreement_one_tie_and_disagreement():
    assert tie_discounted_accuracy_counts([[0, 0, 2]]).value == 1.0
    assert tie_discounted_accuracy_counts([[0, 1, 1]]).value == 0.5
    assert tie_discounted_accuracy_counts([[1, 0, 1]]).value == 0.0
    assert tie_discounted_accuracy_counts([[0, 0, 1]]).value is None


def test_the_bootstrap_interval_brackets_the_estimate_and_is_seeded():
    rng = np.random.default_rng(3)
    counts = counts_of(random_ratings(rng, raters=5, items=300))
    first = bootstrap_tie_discounted_accuracy(counts, n_resamples=500, seed=4)
    assert first.low < first.estimate < first.high
    assert first == bootstrap_tie_discounted_accuracy(counts, n_resamples=500, seed=4)


def test_length_control_equals_the_raw_win_rate_when_length_does_not_matter():
    rng = np.random.default_rng(5)
    diff = rng.normal(0, 300, 4000)
    out = rng.choice([-1, 0, 1], size=4000, p=[0.3, 0.2, 0.5])
    lc = length_controlled_win_rate(diff, out)
    assert lc.win_rate == pytest.approx((out + 1).mean() / 2)
    assert abs(lc.length_controlled_win_rate - lc.win_rate) < 0.02
    assert abs(lc.length_coefficient) < 0.15


def test_length_control_removes_a_win_rate_that_comes_from_length_alone():
    rng = np.random.default_rng(6)
    diff = rng.normal(200, 300, 6000)  # the first system writes longer answers
    p_win = 1 / (1 + np.exp(-2.0 * np.tanh(diff / diff.std())))  # and only length decides
    out = np.where(rng.random(6000) < p_win, 1, -1)
    lc = length_controlled_win_rate(diff, out)
    assert lc.win_rate > 0.65
    assert abs(lc.length_controlled_win_rate - 0.5) < 0.05
    assert lc.length_coefficient > 1.5


def test_length_control_without_length_variation_is_the_raw_rate():
    lc = length_controlled_win_rate([10, 10, 10, 10], [1, 1, 0, -1])
    assert lc.length_controlled_win_rate == lc.win_rate == 0.625


@pytest.mark.parametrize("seed", range(3))
def test_length_control_summed_over_distinct_differences_equals_the_per_vote_fit(seed):
    from scipy import optimize, special

    from comparisons.stats.length_control import RIDGE

    rng = np.random.default_rng(seed)
    diff = rng.integers(-800, 800, 5000).astype(float) if seed else rng.normal(100, 300, 5000)
    out = np.where(rng.random(5000) < 1 / (1 + np.exp(-diff / 400)), 1, rng.choice([-1, 0], 5000))
    x, y = np.tanh(diff / diff.std()), (out + 1) / 2

    def loss(beta):  # the earlier per-vote loss
        z = beta[0] + beta[1] * x
        r = (special.expit(z) - y) / y.size
        return (
            np.sum(np.logaddexp(0, z) - y * z) / y.size + RIDGE * beta[1] ** 2,
            np.array([r.sum(), (r * x).sum() + 2 * RIDGE * beta[1]]),
        )

    ref = optimize.minimize(loss, [special.logit(y.mean()), 0.0], jac=True, method="L-BFGS-B").x
    lc = length_controlled_win_rate(diff, out)
    assert lc.length_controlled_win_rate == pytest.approx(special.expit(ref[0]), abs=1e-7)
    assert lc.length_coefficient == pytest.approx(ref[1], abs=1e-6)
