"""Anytime-valid intervals of a pair's shares: the prompt sequence, the look-to-look running
intersection, the small-sample guard of the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from comparisons.stats.betting import hedged_interval
from comparisons.stats.bootstrap import clustered_bootstrap
from comparisons.stats.sequential import (
    MIN_BOOTSTRAP_PROMPTS,
    SHARES,
    prompt_observations,
    prompt_order,
    sequential_intervals,
    small_sample_interval,
)


def _votes(seed: int, prompts: int = 80, per_prompt: int = 3):
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(prompts) * 7 + 100, per_prompt)
    return ids, rng.choice([1, 0, -1], ids.size, p=[0.5, 0.2, 0.3])


def test_each_share_is_the_betting_interval_of_per_prompt_means_in_the_seeded_order():
    ids, out = _votes(1)
    result = sequential_intervals(ids, out, seed=5)
    order = prompt_order(np.unique(ids), 5)
    for share, score in [
        ("win_share", out == 1),
        ("tie_share", out == 0),
        ("loss_share", out == -1),
        ("win_or_tie_share", out >= 0),
        ("win_rate", (out + 1) / 2),
    ]:
        per_prompt = score.reshape(-1, 3).mean(axis=1)[order]
        low, high = hedged_interval(per_prompt, 0.05)
        interval = getattr(result, share)
        assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)
        assert interval.estimate == pytest.approx(score.mean())
    assert result.n_prompts == 80 and result.n_votes == 240


def test_the_prompt_order_is_a_seeded_permutation_stable_as_prompts_arrive():
    ids = np.arange(50)
    first, again, other = prompt_order(ids, 1), prompt_order(ids, 1), prompt_order(ids, 2)
    assert sorted(first) == list(range(50)) and list(first) == list(again) and list(first) != list(other)
    later = prompt_order(np.arange(60), 1)
    assert [i for i in later if i < 50] == list(first)  # new prompts slot in; old ones keep their order


def test_only_prompts_with_all_their_votes_join_in_the_order_they_were_completed():
    ids = np.array([1, 2, 1, 3, 2, 1, 2])
    out = np.array([1, -1, 1, 0, -1, 1, -1])
    keys = np.arange(ids.size)
    obs = prompt_observations(ids, out, votes_per_prompt=3, order_keys=keys)
    assert obs["win_share"].tolist() == [1.0, 0.0]  # prompt 1 completed at key 5, prompt 2 at 6; 3 waits


def test_an_earlier_look_is_intersected_in_so_intervals_never_widen():
    ids, out = _votes(2)
    first = sequential_intervals(ids[:120], out[:120])
    before = {s: {"low": first.interval(s).low, "high": first.interval(s).high} for s in SHARES}
    later = sequential_intervals(ids, out, previous=before)
    for share in SHARES:
        assert later.interval(share).low >= first.interval(share).low
        assert later.interval(share).high <= first.interval(share).high


def test_disjoint_looks_collapse_onto_the_earlier_end():
    ids, out = np.arange(200), np.ones(200, dtype=int)
    result = sequential_intervals(ids, out, previous={"win_share": {"low": 0.1, "high": 0.2}})
    assert (result.win_share.low, result.win_share.high) == (0.2, 0.2)


def test_one_prompt_gets_an_honest_interval_instead_of_a_zero_width_bootstrap():
    ids, out = np.array([1, 1, 1, 1]), np.array([1, 0, -1, -1])
    boot = clustered_bootstrap(ids, out, 200)
    assert boot.win_share.low == boot.win_share.high == 0.25  # the percentile bootstrap's false certainty
    seq = sequential_intervals(ids, out)
    guarded = small_sample_interval(boot.win_share, seq.win_share, boot.n_prompts)
    assert guarded.estimate == 0.25 and guarded.low == pytest.approx(0.0) and guarded.high == pytest.approx(1.0)
    assert "too few prompts" in guarded.method
    many = np.repeat(np.arange(MIN_BOOTSTRAP_PROMPTS), 2)
    big = clustered_bootstrap(many, np.tile([1, -1], MIN_BOOTSTRAP_PROMPTS), 200)
    assert small_sample_interval(big.win_share, seq.win_share, big.n_prompts) is big.win_share


def test_no_votes_give_the_whole_range():
    result = sequential_intervals([], [])
    assert result.win_rate.estimate is None and (result.win_rate.low, result.win_rate.high) == (0.0, 1.0)
