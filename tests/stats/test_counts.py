from __future__ import annotations

import json
import math

import numpy as np
import pytest

from comparisons.stats.counts import (
    alpaca_win_rate,
    count_outcomes,
    counts_from_totals,
    outcome_scores,
)


def test_counts_split_votes_into_wins_ties_losses_and_shares():
    c = count_outcomes([1, 1, 1, 0, -1, 1, 0, -1, 1, 1])
    assert (c.n, c.wins, c.ties, c.losses) == (10, 6, 2, 2)
    assert c.win_share == pytest.approx(0.6)
    assert c.tie_share == pytest.approx(0.2)
    assert c.loss_share == pytest.approx(0.2)
    assert c.win_or_tie_share == pytest.approx(0.8)
    assert c.win_rate == pytest.approx(0.7)


def test_no_votes_give_none_shares_without_crashing():
    c = count_outcomes([])
    assert c.n == 0 and c.wins == c.ties == c.losses == 0
    assert c.win_share is None and c.win_or_tie_share is None and c.win_rate is None
    a = alpaca_win_rate([])
    assert a.n_total == 0 and a.win_rate is None and a.standard_error is None


def test_all_ties_give_half_win_rate_and_zero_standard_error():
    c = count_outcomes([0] * 7)
    assert c.tie_share == 1.0 and c.win_share == 0.0 and c.win_or_tie_share == 1.0
    assert c.win_rate == 0.5
    a = alpaca_win_rate([0] * 7)
    assert a.win_rate == 50.0 and a.standard_error == 0.0 and a.n_draws == 7


def test_zero_losses_give_full_win_or_tie_share():
    c = counts_from_totals(5, 3, 0)
    assert c.loss_share == 0.0 and c.win_or_tie_share == 1.0
    assert c.win_rate == pytest.approx((5 + 1.5) / 8)


def test_alpaca_win_rate_reproduces_the_gpt4_leaderboard_row_from_counts():
    outcomes = np.array([1] * 761 + [-1] * 32 + [0] * 12)
    a = alpaca_win_rate(outcomes)
    assert (a.n_wins, a.n_wins_base, a.n_draws, a.n_total) == (761, 32, 12, 805)
    assert a.win_rate == pytest.approx(95.27950310559004, abs=1e-9)
    assert a.standard_error == pytest.approx(0.716281440286153, abs=1e-9)


def test_alpaca_standard_error_is_none_for_a_single_vote():
    a = alpaca_win_rate([1])
    assert a.win_rate == 100.0 and a.standard_error is None


def test_alpaca_standard_error_is_sample_sd_over_root_n():
    x = np.array([1, 0, -1, 1, 1, 0])
    scores = (x + 1) / 2
    expected = 100 * scores.std(ddof=1) / math.sqrt(x.size)
    assert alpaca_win_rate(x).standard_error == pytest.approx(expected, rel=1e-12)


def test_outcome_scores_map_win_tie_loss_to_one_half_zero():
    assert outcome_scores([1, 0, -1]).tolist() == [1.0, 0.5, 0.0]


@pytest.mark.parametrize("bad", [[2], [0.5], [[1, 0]]])
def test_outcomes_other_than_minus_one_zero_one_are_refused(bad):
    with pytest.raises(ValueError):
        count_outcomes(bad)


def test_negative_totals_are_refused():
    with pytest.raises(ValueError):
        counts_from_totals(1, -1, 0)


def test_results_convert_to_strict_json_with_builtin_types():
    for result in (count_outcomes(np.array([1, 0, -1])), count_outcomes([]), alpaca_win_rate(np.array([1, 1]))):
        d = result.as_dict()
        json.dumps(d, allow_nan=False)
        assert all(v is None or type(v) in (int, float, str) for v in d.values())


@pytest.mark.parametrize(
    "ids",
    [
        np.array([5, 3, 3, 0, 9, 5], dtype=np.int64),  # small, from 0
        np.array([10_000_007, 10_000_003, 10_000_003, 10_500_000], dtype=np.int64),  # far from 0: shifted
        np.array([-4, 7, -4, 2], dtype=np.int32),  # negative: shifted
        np.array([3, 1, 3], dtype=np.uint32),
        np.array([4_000_000_000, 4_000_000_002, 4_000_000_000], dtype=np.uint64),
        np.array([1, 10**15, 1], dtype=np.int64),  # too wide a span: sorted
    ],
)
def test_factorize_equals_numpy_unique(ids):
    from comparisons.stats._base import factorize

    values, inverse = factorize(ids)
    want_values, want_inverse = np.unique(ids, return_inverse=True)
    assert values.dtype == ids.dtype and np.array_equal(values, want_values)
    assert np.array_equal(inverse, want_inverse)
