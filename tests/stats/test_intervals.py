from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest
from statsmodels.stats.proportion import multinomial_proportions_confint

from comparisons.stats.intervals import goodman_intervals, share_intervals, wilson_interval


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (57, 100), (761, 805), (1, 1000)])
def test_wilson_matches_scipy_binomtest(k, n, level):
    ref = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    ours = wilson_interval(k, n, level)
    assert ours.low == pytest.approx(ref.low, abs=1e-12)
    assert ours.high == pytest.approx(ref.high, abs=1e-12)
    assert ours.estimate == pytest.approx(k / n)
    assert ours.method == "wilson" and ours.level == level


def test_wilson_with_no_votes_is_the_whole_unit_interval():
    iv = wilson_interval(0, 0)
    assert iv.estimate is None and (iv.low, iv.high) == (0.0, 1.0)


def test_wilson_refuses_more_successes_than_trials():
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
@pytest.mark.parametrize("counts", [[30, 10, 60], [100, 0, 5], [1, 1, 1], [761, 12, 32], [0, 7, 0]])
def test_goodman_matches_statsmodels(counts, alpha):
    ref = multinomial_proportions_confint(np.array(counts), alpha=alpha, method="goodman")
    ours = goodman_intervals(counts, 1 - alpha)
    for iv, (lo, hi) in zip(ours, ref, strict=True):
        assert iv.low == pytest.approx(max(lo, 0.0), abs=1e-12)
        assert iv.high == pytest.approx(min(hi, 1.0), abs=1e-12)


def test_goodman_intervals_are_wider_than_wilson_for_each_share():
    counts = [40, 20, 40]
    for iv, k in zip(goodman_intervals(counts), counts, strict=True):
        w = wilson_interval(k, 100)
        assert iv.low < w.low and iv.high > w.high


def test_goodman_with_no_votes_gives_undefined_estimates():
    ivs = goodman_intervals([0, 0, 0])
    assert all(iv.estimate is None and (iv.low, iv.high) == (0.0, 1.0) for iv in ivs)


def test_share_intervals_cover_win_tie_loss_and_win_or_tie():
    s = share_intervals(50, 20, 30)
    assert s.n == 100
    assert s.win_or_tie_share.estimate == pytest.approx(0.7)
    ref = binomtest(70, 100).proportion_ci(method="wilson")
    assert s.win_or_tie_share.low == pytest.approx(ref.low)
    g = share_intervals(50, 20, 30, method="goodman")
    assert g.win_or_tie_share.low == pytest.approx(1 - g.loss_share.high)
    assert g.win_or_tie_share.high == pytest.approx(1 - g.loss_share.low)


def test_share_intervals_refuse_unknown_method():
    with pytest.raises(ValueError):
        share_intervals(1, 1, 1, method="wald")
