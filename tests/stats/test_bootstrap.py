from __future__ import annotations

import json
import time

import numpy as np
import pytest

from comparisons.stats.bootstrap import clustered_bootstrap, per_prompt_counts
from comparisons.stats.intervals import wilson_interval


def _clustered_votes(seed: int, prompts: int = 200, raters: int = 5):
    rng = np.random.default_rng(seed)
    p = rng.beta(1.2, 0.8, prompts)
    ids = np.repeat(np.arange(prompts), raters)
    u = rng.random(ids.size)
    out = np.where(u < 0.2, 0, np.where(rng.random(ids.size) < p[ids], 1, -1))
    return ids, out


def test_per_prompt_counts_tally_wins_ties_losses_per_prompt():
    table = per_prompt_counts(["b", "a", "b", "b", "a"], [1, 0, -1, 1, 1])
    assert table.tolist() == [[1, 1, 0], [2, 0, 1]]


def test_bootstrap_estimates_are_the_observed_shares():
    ids, out = _clustered_votes(0)
    r = clustered_bootstrap(ids, out, n_resamples=500)
    n = out.size
    assert r.n_votes == n and r.n_prompts == 200
    assert r.win_share.estimate == pytest.approx((out == 1).sum() / n)
    assert r.tie_share.estimate == pytest.approx((out == 0).sum() / n)
    assert r.win_rate.estimate == pytest.approx(((out == 1).sum() + 0.5 * (out == 0).sum()) / n)
    for iv in (r.win_share, r.tie_share, r.loss_share, r.win_or_tie_share, r.win_rate):
        assert iv.low <= iv.estimate <= iv.high


def test_same_seed_gives_the_same_interval_and_another_seed_does_not():
    ids, out = _clustered_votes(1)
    a = clustered_bootstrap(ids, out, n_resamples=300, seed=5)
    b = clustered_bootstrap(ids, out, n_resamples=300, seed=5)
    c = clustered_bootstrap(ids, out, n_resamples=300, seed=6)
    assert a == b
    assert a.win_share.low != c.win_share.low or a.win_share.high != c.win_share.high


def test_default_is_at_least_2000_resamples():
    ids, out = _clustered_votes(2, prompts=20)
    assert clustered_bootstrap(ids, out).n_resamples >= 2000


def test_clustered_interval_is_wider_than_wilson_when_raters_on_a_prompt_agree():
    ids, out = _clustered_votes(3, prompts=300, raters=8)
    boot = clustered_bootstrap(ids, out, n_resamples=1000)
    wil = wilson_interval(int((out == 1).sum()), out.size)
    assert boot.win_share.half_width > 1.3 * wil.half_width


def test_one_vote_per_prompt_bootstrap_is_close_to_wilson():
    rng = np.random.default_rng(4)
    out = rng.choice([-1, 0, 1], 2000, p=[0.3, 0.2, 0.5])
    boot = clustered_bootstrap(np.arange(out.size), out, n_resamples=4000)
    wil = wilson_interval(int((out == 1).sum()), out.size)
    assert boot.win_share.low == pytest.approx(wil.low, abs=0.004)
    assert boot.win_share.high == pytest.approx(wil.high, abs=0.004)


def test_no_votes_give_undefined_estimates_and_full_intervals():
    r = clustered_bootstrap([], [])
    assert r.n_votes == 0 and r.win_share.estimate is None
    assert (r.win_rate.low, r.win_rate.high) == (0.0, 1.0)
    json.dumps(r.as_dict(), allow_nan=False)


def test_all_ties_give_a_degenerate_tie_interval_at_one():
    r = clustered_bootstrap([1, 1, 2, 3], [0, 0, 0, 0], n_resamples=200)
    assert (r.tie_share.low, r.tie_share.high) == (1.0, 1.0)
    assert (r.win_rate.low, r.win_rate.high) == (0.5, 0.5)


def test_zero_losses_give_a_loss_interval_at_zero():
    r = clustered_bootstrap([1, 2, 2, 3], [1, 1, 0, 1], n_resamples=200)
    assert (r.loss_share.low, r.loss_share.high) == (0.0, 0.0)
    assert r.win_or_tie_share.low == 1.0


def test_as_dict_holds_only_builtin_numbers():
    ids, out = _clustered_votes(5, prompts=30)
    d = clustered_bootstrap(ids, out, n_resamples=100).as_dict()
    text = json.dumps(d, allow_nan=False)
    assert "percentile bootstrap" in text and type(d["win_share"]["low"]) is float


def test_million_votes_over_ten_thousand_prompts_resample_2000_times_in_under_3_seconds():
    rng = np.random.default_rng(6)
    ids = rng.integers(0, 10_000, 1_000_000)
    out = rng.choice([-1, 0, 1], ids.size, p=[0.3, 0.2, 0.5])
    start = time.perf_counter()
    r = clustered_bootstrap(ids, out, n_resamples=2000, seed=0)
    elapsed = time.perf_counter() - start
    assert r.n_prompts == 10_000 and r.n_resamples == 2000
    assert elapsed < 3.0, f"took {elapsed:.2f} s"
