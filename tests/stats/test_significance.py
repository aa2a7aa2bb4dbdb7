from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import wilcoxon
from statsmodels.stats.multitest import multipletests

from comparisons.stats.significance import (
    format_p,
    holm,
    prompt_wilcoxon,
    sign_test,
    sign_test_outcomes,
    verdict,
)


def test_sign_test_gives_the_exact_two_sided_binomial_p_value():
    # P(X <= 1) + P(X >= 9) for X ~ Bin(10, 1/2) = 2 * 11 / 1024
    r = sign_test(9, 1)
    assert r.p_value == pytest.approx(22 / 1024, rel=1e-12)
    assert r.n == 10 and r.effect == pytest.approx(0.4)


def test_sign_test_drops_ties():
    with_ties = sign_test_outcomes([1] * 9 + [-1] + [0] * 50)
    assert with_ties.p_value == pytest.approx(sign_test(9, 1).p_value)
    assert with_ties.n == 10


def test_sign_test_of_balanced_votes_is_not_significant():
    assert sign_test(50, 50).p_value == pytest.approx(1.0)


def test_sign_test_without_decisive_votes_has_p_one():
    r = sign_test(0, 0)
    assert r.p_value == 1.0 and r.n == 0 and r.effect == 0.0
    assert sign_test_outcomes([0, 0, 0]).p_value == 1.0


def test_prompt_wilcoxon_tests_the_per_prompt_mean_outcomes():
    rng = np.random.default_rng(0)
    ids = np.repeat(np.arange(40), 3)
    out = rng.choice([-1, 0, 1], ids.size, p=[0.3, 0.2, 0.5])
    r = prompt_wilcoxon(ids, out)
    means = out.reshape(40, 3).mean(axis=1)
    ref = wilcoxon(means, zero_method="wilcox")
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert r.statistic == pytest.approx(ref.statistic)
    assert r.n == 40 and r.effect == pytest.approx(means.mean())


def test_prompt_wilcoxon_with_all_zero_prompt_means_has_p_one():
    r = prompt_wilcoxon([1, 1, 2, 2, 3], [1, -1, 0, 0, 0])
    assert r.p_value == 1.0 and r.effect == 0.0 and r.n == 3


def test_prompt_wilcoxon_with_no_votes_has_p_one():
    assert prompt_wilcoxon([], []).p_value == 1.0


def test_prompt_wilcoxon_detects_a_clear_preference():
    ids = np.repeat(np.arange(30), 2)
    out = np.where(np.arange(ids.size) % 7 == 0, -1, 1)
    r = prompt_wilcoxon(ids, out)
    assert r.p_value < 0.001 and r.effect > 0


@pytest.mark.parametrize("seed", range(4))
def test_prompt_wilcoxon_above_fifty_prompts_equals_scipy_to_the_bit(seed):
    """Above 50 prompts the statistic and p-value come from the distinct prompt means
    (significance._signed_rank_normal), not from scipy: they must be scipy's exactly, with
    prompts of different vote counts (ties between 1/3 and 2/6), zeros, and gaps in the ids."""
    rng = np.random.default_rng(seed)
    for _ in range(150):
        prompts = int(rng.integers(51, 2_000))
        ids = rng.integers(0, prompts, int(rng.integers(prompts, 6 * prompts))) * 7 + 10_000
        out = rng.choice([-1, 0, 1], ids.size, p=rng.dirichlet([1, 1, 1]))
        _, inverse, votes = np.unique(ids, return_inverse=True, return_counts=True)
        means = np.bincount(inverse, weights=out) / votes
        r = prompt_wilcoxon(ids, out)
        if not means.any():
            assert r.p_value == 1.0
            continue
        ref = wilcoxon(means, zero_method="wilcox")
        assert (r.statistic, r.p_value) == (float(ref.statistic), float(ref.pvalue))
        assert r.n == means.size


def test_prompt_wilcoxon_fast_path_counts_a_lone_decided_prompt():
    # 60 prompts, one of them decided: n = 1 nonzero mean, as scipy counts it
    ids, out = np.arange(60), np.zeros(60, dtype=int)
    out[7] = -1
    ref = wilcoxon(np.where(np.arange(60) == 7, -1.0, 0.0), zero_method="wilcox")
    r = prompt_wilcoxon(ids, out)
    assert (r.statistic, r.p_value) == (float(ref.statistic), float(ref.pvalue))


@pytest.mark.parametrize("seed", range(5))
def test_holm_matches_statsmodels_multipletests(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.05, 4), rng.uniform(0, 1, 6), [0.01, 0.01]])
    rng.shuffle(p)
    reject, adjusted, _, _ = multipletests(p, alpha=0.05, method="holm")
    ours = holm(p, alpha=0.05)
    np.testing.assert_allclose(ours.adjusted, adjusted, rtol=0, atol=1e-12)
    assert ours.reject == reject.tolist()


def test_holm_of_an_empty_family_is_empty():
    assert holm([]).adjusted == []


def test_holm_refuses_values_outside_zero_one():
    with pytest.raises(ValueError):
        holm([0.2, 1.5])


def test_p_values_are_written_as_a_reader_expects():
    assert format_p(0.0002) == "p < 0.001"
    assert format_p(0.0031) == "p = 0.003"
    assert format_p(0.041) == "p = 0.041"
    assert format_p(0.4149) == "p = 0.41"


def test_verdict_names_the_preferred_system_or_says_no_difference():
    assert verdict("LIMA 65B", "DaVinci003", 0.3, 1e-6) == "LIMA 65B preferred over DaVinci003, p < 0.001"
    assert verdict("LIMA 65B", "GPT-4", -0.02, 0.41) == "no significant difference from GPT-4 (p = 0.41)"
    assert verdict("LIMA 65B", "GPT-4", -0.2, 0.003) == "GPT-4 preferred over LIMA 65B, p = 0.003"


def test_verdict_respects_the_chosen_alpha():
    assert verdict("A", "B", 0.1, 0.03, alpha=0.01).startswith("no significant difference")
