from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import binomtest

from comparisons.stats.bias import length_bias, position_bias


def test_position_bias_reports_left_share_wilson_interval_and_binomial_p():
    r = position_bias(70, 30)
    assert r.n == 100 and r.left_share.estimate == pytest.approx(0.7)
    ref = binomtest(70, 100).proportion_ci(method="wilson")
    assert (r.left_share.low, r.left_share.high) == pytest.approx((ref.low, ref.high))
    assert r.p_value == pytest.approx(binomtest(70, 100, 0.5).pvalue)
    assert r.p_value < 0.001


def test_balanced_positions_show_no_bias():
    assert position_bias(50, 50).p_value == pytest.approx(1.0)


def test_position_bias_without_decisive_votes_is_undefined_not_an_error():
    r = position_bias(0, 0)
    assert r.left_share.estimate is None and r.p_value == 1.0
    json.dumps(r.as_dict(), allow_nan=False)


def test_length_bias_bins_votes_by_length_difference_with_given_edges():
    diff = [-300, -50, -5, 0, 5, 60, 400, 500]
    out = [-1, -1, 0, 1, 1, 1, 1, 0]
    r = length_bias(diff, out, edges=[-1000, -10, 10, 1000])
    assert [b.n for b in r.bins] == [2, 3, 3]
    assert [b.wins for b in r.bins] == [0, 2, 2]
    assert r.bins[2].win_rate == pytest.approx((2 + 0.5) / 3)
    assert r.bins[0].win_share.estimate == 0.0
    assert r.spearman_rho > 0


def test_length_bias_with_quantile_bins_puts_every_vote_in_a_bin_and_finds_the_trend():
    rng = np.random.default_rng(0)
    diff = rng.normal(0, 200, 2000)
    p_win = 1 / (1 + np.exp(-diff / 150))
    out = np.where(rng.random(2000) < p_win, 1, -1)
    r = length_bias(diff, out, edges=4)
    assert sum(b.n for b in r.bins) == 2000
    shares = [b.win_share.estimate for b in r.bins]
    assert shares == sorted(shares) and shares[-1] - shares[0] > 0.4
    assert r.p_value < 1e-10


def test_length_bias_of_no_votes_is_empty():
    r = length_bias([], [])
    assert r.bins == [] and r.spearman_rho is None


def _old_length_bias(diff, out, edges, level=0.95):
    """The earlier implementation (np.quantile cuts, a mask per bin, scipy's spearmanr)."""
    from scipy import stats

    from comparisons.stats.intervals import wilson_interval

    diff, out = np.asarray(diff, dtype=float), np.asarray(out)
    cuts = np.unique(np.quantile(diff, np.linspace(0, 1, edges + 1))) if isinstance(edges, int) else np.sort(edges)
    if cuts.size < 2:
        cuts = np.array([diff.min(), diff.max()])
    which = np.clip(np.searchsorted(cuts, diff, side="right") - 1, 0, cuts.size - 2)
    inside = (diff >= cuts[0]) & (diff <= cuts[-1])
    bins = []
    for i in range(cuts.size - 1):
        sel = out[inside & (which == i)]
        w, t, n = int((sel == 1).sum()), int((sel == 0).sum()), sel.size
        bins.append((float(cuts[i]), float(cuts[i + 1]), n, w, t, wilson_interval(w, n, level)))
    res = stats.spearmanr(diff, out) if (diff != diff[0]).any() and (out != out[0]).any() else None
    return bins, res


@pytest.mark.parametrize("seed", range(6))
def test_length_bias_from_the_value_table_equals_quantile_bins_and_scipys_spearman(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 3000))
    diff = rng.integers(-900, 900, n) if seed % 2 else np.round(rng.normal(0, 150, n), 1)
    out = np.where(rng.random(n) < 0.5 + diff / 4000, 1, rng.choice([-1, 0], n))
    edges = [-2000, -100, 0, 100, 2000] if seed == 5 else int(rng.integers(1, 8))
    r = length_bias(diff, out, edges=edges)
    bins, ref = _old_length_bias(diff, out, edges)
    assert [(b.low, b.high, b.n, b.wins, b.ties, b.win_share) for b in r.bins] == bins
    assert r.spearman_rho == pytest.approx(ref.statistic, abs=1e-12)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


def test_length_bias_without_variation_has_no_rank_correlation():
    assert length_bias([5, 5, 5], [1, -1, 0]).spearman_rho is None
    assert length_bias([1, 2, 3], [1, 1, 1]).spearman_rho is None


def test_the_results_position_bias_counts_decided_votes_for_the_shown_left_response():
    from results.compute import Params, compute_results
    from results.table import VoteTable

    rng = np.random.default_rng(4)
    n = 600
    comparison = np.arange(n) // 3
    left = np.where(rng.random(n) < 0.5, 1, 2)
    right = 3 - left
    winner = np.where(rng.random(n) < 0.2, 0, np.where(rng.random(n) < 0.65, left, right))  # 0: a tie
    table = VoteTable(
        comparison,
        comparison // 2,
        rng.integers(1, 20, n),
        np.array(["crowd"] * n, dtype=object),
        left,
        right,
        winner,
        rng.integers(10, 900, n),
        rng.integers(10, 900, n),
        {1: "A", 2: "B"},
    )
    position = compute_results(table, [(1, 2)], Params(n_resamples=200))["bias"]["position"]
    decided = winner != 0
    expected = position_bias(int((decided & (winner == left)).sum()), int((decided & (winner == right)).sum()))
    assert position == expected.as_dict()
    assert position["n"] == int(decided.sum()) < n and position["left"] > position["right"]
