"""Absolute ratings: grade shares, mean score, paired test, agreement, severity, planning.

Each statistic is checked against an independent reference (scipy, statsmodels, sklearn, the
krippendorff package, Krippendorff's own worked example) or a hand computation; the interval's
coverage is checked by simulation.
"""

from __future__ import annotations

import dataclasses
import json

import krippendorff
import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

import comparisons.stats as stats
from comparisons.stats.grades import MIN_BOOTSTRAP_CLUSTERS, wilson_effective
from comparisons.stats.planning import votes_needed

FAIL, PASS, EXCELLENT = 0, 1, 2


def _study(rng, prompts=50, raters=3, truth=(0.12, 0.38, 0.50), concentration=2.0, system=0):
    """Each prompt draws its own grade probabilities from Dirichlet(concentration x truth)
    (prompt-level heterogeneity: raters of one prompt agree more than chance), then each
    rater's grade from them. The true share of grade g is truth[g]."""
    probs = rng.dirichlet(np.asarray(truth) * concentration, prompts)
    u = rng.random((prompts, raters, 1))
    grades = (u > np.cumsum(probs, axis=1)[:, None, :-1]).sum(axis=2).ravel()
    clusters = np.repeat(np.arange(prompts), raters)
    return clusters, np.full(clusters.size, system), grades


def test_shares_counts_and_mean_score_are_the_plain_proportions():
    clusters = np.arange(40)
    grades = np.array([FAIL] * 5 + [PASS] * 15 + [EXCELLENT] * 20)
    (result,) = stats.grade_shares(clusters, np.zeros(40, dtype=int), grades, 3, n_resamples=200)
    assert result.counts == [5, 15, 20]
    assert [s.estimate for s in result.shares] == pytest.approx([5 / 40, 15 / 40, 20 / 40])
    assert result.mean_score.estimate == pytest.approx((5 * 1 + 15 * 2 + 20 * 3) / 40)  # scored 1..n
    assert result.n_votes == 40 and result.n_clusters == 40 and not result.small_sample
    for share in result.shares:
        assert 0.0 <= share.low < share.estimate < share.high <= 1.0
        assert set(share.as_dict()) == {"estimate", "low", "high", "level", "method"}
    json.dumps([r.as_dict() for r in stats.grade_shares(clusters, np.zeros(40, dtype=int), grades, 3)], allow_nan=False)
    assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen


def test_one_grade_per_prompt_gives_about_wilsons_interval():
    """With one vote per prompt the votes are independent: the effective sample size is about n
    and the interval about Wilson's (t on 199 degrees of freedom instead of z)."""
    rng = np.random.default_rng(3)
    grades = rng.choice(3, 200, p=[0.2, 0.3, 0.5])
    (result,) = stats.grade_shares(np.arange(200), np.zeros(200, dtype=int), grades, 3, n_resamples=4000)
    for g, share in enumerate(result.shares):
        low, high = proportion_confint(int((grades == g).sum()), 200, method="wilson")
        assert share.low == pytest.approx(low, abs=0.012)
        assert share.high == pytest.approx(high, abs=0.012)
        assert 0.85 < result.design_effects[g] < 1.2


def test_wilson_at_an_effective_sample_size_matches_statsmodels_at_that_size():
    z = float(scipy_stats.norm.ppf(0.975))
    for k, n in [(3, 17), (0, 12), (12, 12), (40, 100)]:
        low, high = wilson_effective(k / n, float(n), z)
        ref = proportion_confint(k, n, method="wilson")
        assert (low, high) == pytest.approx(ref, abs=1e-12)


def test_clustered_interval_is_wider_than_wilson_when_prompts_differ():
    rng = np.random.default_rng(4)
    clusters, systems, grades = _study(rng, prompts=60, raters=5, concentration=1.0)
    (result,) = stats.grade_shares(clusters, systems, grades, 3)
    naive = proportion_confint(int((grades == FAIL).sum()), grades.size, method="wilson")
    assert result.shares[FAIL].half_width > 1.3 * (naive[1] - naive[0]) / 2
    assert result.design_effects[FAIL] > 1.5


def test_few_prompts_get_the_betting_interval_and_say_so():
    grades = np.array([EXCELLENT, EXCELLENT, PASS, EXCELLENT, EXCELLENT, FAIL])
    clusters = np.array([1, 1, 2, 2, 3, 3])
    (result,) = stats.grade_shares(clusters, np.zeros(6, dtype=int), grades, 3)
    assert result.small_sample
    for share in result.shares:
        assert f"too few prompts for the bootstrap (3 < {MIN_BOOTSTRAP_CLUSTERS})" in share.method
        assert share.high - share.low > 0.5  # three prompts prove little
    (one,) = stats.grade_shares([7, 7, 7], [0, 0, 0], [PASS, PASS, PASS], 3)
    assert one.shares[PASS].low < 0.2 and one.shares[PASS].high == 1.0  # not certainty from one prompt
    assert one.mean_score.low < 1.5 and one.mean_score.high == 3.0


def test_a_grade_nobody_gave_still_has_an_interval_of_positive_width():
    clusters = np.repeat(np.arange(30), 2)
    (result,) = stats.grade_shares(clusters, np.zeros(60, dtype=int), np.full(60, EXCELLENT), 3)
    assert result.shares[FAIL].low == 0.0 and result.shares[FAIL].high > 0.05
    assert result.shares[EXCELLENT].high == 1.0 and result.shares[EXCELLENT].low < 0.95
    assert result.mean_score.low < 3.0 and result.mean_score.high == 3.0
    # With no spread seen, each prompt counts as one vote: the Wilson interval at 30, not 60.
    assert result.shares[FAIL].high > proportion_confint(0, 60, method="wilson")[1]


def test_systems_are_separate_and_a_system_without_votes_has_none():
    rng = np.random.default_rng(5)
    c0, s0, g0 = _study(rng, truth=(0.1, 0.2, 0.7), system=0)
    c2, s2, g2 = _study(rng, truth=(0.6, 0.3, 0.1), system=2)
    result = stats.grade_shares(np.r_[c0, c2], np.r_[s0, s2], np.r_[g0, g2], 3, n_resamples=300)
    assert [r.system for r in result] == [0, 1, 2]
    assert result[1].n_votes == 0 and result[1].shares[0].estimate is None
    assert result[0].mean_score.low > result[2].mean_score.high
    alone = stats.grade_shares(c2, s2, g2, 3, n_resamples=300)[2]
    assert alone.shares[FAIL].as_dict() == result[2].shares[FAIL].as_dict()


def test_the_same_seed_gives_the_same_intervals():
    rng = np.random.default_rng(6)
    data = _study(rng)
    assert stats.grade_shares(*data, 3, seed=9)[0].as_dict() == stats.grade_shares(*data, 3, seed=9)[0].as_dict()


@pytest.mark.parametrize(
    "bad",
    [
        {"grades": [0, 3]},  # beyond the scale
        {"grades": [0.5, 1]},
        {"cluster_ids": [1]},
        {"system_ids": [-1, 0]},
    ],
)
def test_bad_input_is_refused(bad):
    args = {"cluster_ids": [1, 2], "system_ids": [0, 0], "grades": [0, 1]} | bad
    with pytest.raises(ValueError):
        stats.grade_shares(args["cluster_ids"], args["system_ids"], args["grades"], 3)


def test_paired_test_matches_scipy_wilcoxon_on_prompt_means_and_holm_matches_statsmodels():
    rng = np.random.default_rng(7)
    truths = [(0.3, 0.4, 0.3), (0.05, 0.25, 0.7), (0.3, 0.3, 0.4)]
    parts = [_study(rng, prompts=40, raters=2, truth=t, system=s) for s, t in enumerate(truths)]
    clusters, systems, grades = (np.concatenate(x) for x in zip(*parts, strict=True))
    keep = ~((systems == 2) & (clusters < 4))  # system 2 misses four prompts: pairs use shared prompts only
    clusters, systems, grades = clusters[keep], systems[keep], grades[keep]
    tests = stats.paired_grade_tests(clusters, systems, grades, 3)
    assert [(t.system_a, t.system_b) for t in tests] == [(0, 1), (0, 2), (1, 2)]
    raw = []
    for t in tests:
        shared = sorted(set(clusters[systems == t.system_a]) & set(clusters[systems == t.system_b]))
        mean = lambda s, c: (grades[(systems == s) & (clusters == c)] + 1).mean()  # noqa: E731
        d = np.array([mean(t.system_a, c) - mean(t.system_b, c) for c in shared])
        ref = scipy_stats.wilcoxon(d, zero_method="wilcox")
        assert t.n_clusters == len(shared) and t.mean_difference == pytest.approx(d.mean())
        assert t.p_value == pytest.approx(ref.pvalue) and t.statistic == pytest.approx(ref.statistic)
        raw.append(ref.pvalue)
    reject, adjusted, _, _ = multipletests(raw, alpha=0.05, method="holm")
    assert [t.p_holm for t in tests] == pytest.approx(list(adjusted))
    assert [t.reject for t in tests] == list(reject)
    assert tests[0].mean_difference < 0 and tests[0].p_value < 0.05  # system 1 is graded higher


def test_paired_test_without_differences_has_p_one():
    result = stats.paired_grade_test([1, 1, 2, 2], [0, 1, 0, 1], [2, 2, 1, 1], 3, 0, 1)
    assert result.p_value == 1.0 and result.mean_difference == 0.0 and not result.reject


@pytest.mark.parametrize("weights", ["linear", "quadratic", "none"])
def test_weighted_kappa_matches_sklearn_and_statsmodels(weights):
    rng = np.random.default_rng(8)
    a = rng.integers(0, 5, 80)
    b = np.clip(a + rng.integers(-2, 3, 80), 0, 4)
    ours = stats.weighted_kappa(a, b, 5, weights).value
    sk = cohen_kappa_score(a, b, weights=None if weights == "none" else weights, labels=list(range(5)))
    table = np.zeros((5, 5))
    np.add.at(table, (a, b), 1)
    sm = cohens_kappa(table, wt=None if weights == "none" else weights).kappa
    assert ours == pytest.approx(sk) and ours == pytest.approx(sm)


def test_kappa_for_every_rater_pair_uses_the_items_both_graded():
    rng = np.random.default_rng(9)
    items, raters, grades = [], [], []
    for item in range(60):
        true = rng.integers(0, 3)
        for rater in rng.choice(4, 3, replace=False):
            items.append(item)
            raters.append(int(rater))
            grades.append(int(np.clip(true + rng.integers(-1, 2), 0, 2)))
    items, raters, grades = map(np.array, (items, raters, grades))
    pairs = stats.rater_pair_kappas(items, raters, grades, 3, "linear")
    assert len(pairs) == 6
    for pair in pairs:
        a = {i: g for i, r, g in zip(items, raters, grades, strict=True) if r == pair.rater_a}
        b = {i: g for i, r, g in zip(items, raters, grades, strict=True) if r == pair.rater_b}
        shared = sorted(set(a) & set(b))
        ref = cohen_kappa_score([a[i] for i in shared], [b[i] for i in shared], weights="linear", labels=[0, 1, 2])
        assert pair.n_items == len(shared) and pair.kappa == pytest.approx(ref)


def test_krippendorff_alpha_ordinal_reproduces_krippendorffs_worked_example():
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: four
    observers, twelve units, values 1..5 with missing data; the paper gives ordinal alpha = 0.815
    (nominal 0.743, interval 0.849)."""
    nan = np.nan
    data = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
        ]
    )
    raters, items = np.nonzero(~np.isnan(data))
    grades = data[raters, items].astype(int) - 1
    alpha = stats.krippendorff_alpha_grades(items, raters, grades, 5)
    assert round(alpha.value, 3) == 0.815
    assert alpha.value == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal"))


def test_krippendorff_alpha_ordinal_matches_the_package_on_random_grades():
    rng = np.random.default_rng(10)
    true = rng.integers(0, 4, 70)
    data = np.clip(true + rng.integers(-1, 2, (5, 70)), 0, 3).astype(float)
    data[rng.random(data.shape) < 0.4] = np.nan
    raters, items = np.nonzero(~np.isnan(data))
    ours = stats.krippendorff_alpha_grades(items, raters, data[raters, items].astype(int), 4).value
    # The package builds its value domain from the values seen; every level occurs here.
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal", value_domain=[0, 1, 2, 3])
    assert ours == pytest.approx(ref)


def test_severity_is_how_far_below_the_others_a_rater_grades():
    """Raters 0 and 1 give the item's grade, rater 2 one grade lower on every item: rater 2's
    severity is +1 (harsher), raters 0 and 1 each see (g + g - 1)/2 - g = -1/2 (more lenient)."""
    items = np.repeat(np.arange(20), 3)
    raters = np.tile([0, 1, 2], 20)
    base = np.repeat(np.random.default_rng(11).integers(1, 4, 20), 3)
    grades = base - (raters == 2)
    by_rater = {s.rater: s for s in stats.rater_severity(items, raters, grades, 4)}
    assert by_rater[2].severity.estimate == pytest.approx(1.0)
    assert by_rater[0].severity.estimate == pytest.approx(-0.5)
    assert by_rater[1].n_items == 20
    assert by_rater[2].severity.low == pytest.approx(1.0)  # no spread: a zero-width t interval


def test_severity_interval_is_the_t_interval_and_lone_items_do_not_count():
    rng = np.random.default_rng(12)
    items = np.r_[np.repeat(np.arange(30), 2), [99]]
    raters = np.r_[np.tile([0, 1], 30), [0]]
    grades = rng.integers(0, 3, 61)
    (zero, _) = stats.rater_severity(items, raters, grades, 3)
    d = (grades[1:60:2] - grades[0:60:2]).astype(float)
    ref = scipy_stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    assert zero.n_items == 30 and zero.severity.estimate == pytest.approx(d.mean())
    assert (zero.severity.low, zero.severity.high) == pytest.approx((ref.low, ref.high))


def test_votes_needed_follow_the_wilson_size_times_the_design_effect():
    rng = np.random.default_rng(13)
    (result,) = stats.grade_shares(*_study(rng, prompts=40, raters=3), 3)
    plan = stats.grade_votes_needed(result, half_width=0.05)
    expected = [
        votes_needed(0.05, s.estimate, 0.95, "wilson", max(1.0, d))
        for s, d in zip(result.shares, result.design_effects, strict=True)
    ]
    assert plan.per_grade == expected and plan.votes_needed == max(expected)
    assert plan.votes_still_needed == max(expected) - 120
    assert stats.grade_votes_needed(result, half_width=0.4).votes_still_needed == 0


def test_votes_needed_reach_about_the_target_half_width():
    """Plan from a pilot of 30 prompts, then run a study of the planned size (same design):
    its interval's half-width is near the target."""
    rng = np.random.default_rng(14)
    (pilot,) = stats.grade_shares(*_study(rng, prompts=30, raters=3), 3)
    plan = stats.grade_votes_needed(pilot, half_width=0.06)
    (full,) = stats.grade_shares(*_study(rng, prompts=-(-plan.votes_needed // 3), raters=3), 3)
    widest = max(s.half_width for s in full.shares)
    assert 0.045 < widest < 0.075, (plan.votes_needed, widest)


STUDIES = 1500  # coverage band 93-97% is +/- 3.6 standard errors of a 95% rate at this size


def test_interval_covers_the_true_grade_share_about_95_percent_of_the_time():
    """1500 simulated studies, 50 prompts x 3 raters, LIMA's 12/38/50 split with prompt-level
    heterogeneity (Dirichlet(2 x truth) per prompt: intra-prompt correlation about 1/3, design
    effect about 1.7); 400 resamples per study to stay fast. Every grade's interval covers its
    true share in 93-97% of studies, and the mean score's interval its true mean (2.38)."""
    rng = np.random.default_rng(20261130)
    truth = np.array([0.12, 0.38, 0.50])
    hits, mean_hits = np.zeros(3), 0
    for s in range(STUDIES):
        (result,) = stats.grade_shares(*_study(rng, truth=truth), 3, n_resamples=400, seed=s)
        hits += [share.low <= t <= share.high for share, t in zip(result.shares, truth, strict=True)]
        mean_hits += result.mean_score.low <= truth @ [1, 2, 3] <= result.mean_score.high
    coverage = hits / STUDIES
    assert ((coverage >= 0.93) & (coverage <= 0.97)).all(), coverage
    assert 0.93 <= mean_hits / STUDIES <= 0.97, mean_hits / STUDIES


def test_interval_covers_turn_grade_shares_of_dialogues_clustered_by_conversation():
    """1000 simulated dialogue studies: 40 conversations of 2-8 assistant turns (unequal
    clusters), one grade per turn, grade probabilities drawn per conversation."""
    rng = np.random.default_rng(5)
    truth = np.array([0.12, 0.38, 0.50])
    hits = np.zeros(3)
    for s in range(1000):
        clusters = np.repeat(np.arange(40), rng.integers(2, 9, 40))
        probs = rng.dirichlet(truth * 2, 40)[clusters]
        grades = (rng.random(clusters.size)[:, None] > np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)
        (result,) = stats.grade_shares(
            clusters, np.zeros(clusters.size, dtype=int), grades, 3, n_resamples=400, seed=s, unit="conversation"
        )
        hits += [share.low <= t <= share.high for share, t in zip(result.shares, truth, strict=True)]
    assert "conversation" in result.shares[0].method
    coverage = hits / 1000
    assert ((coverage >= 0.93) & (coverage <= 0.97)).all(), coverage


def test_the_percentile_bootstrap_alone_would_under_cover_at_thirty_prompts():
    """Why the interval is Wilson's at the bootstrap's effective size and not the percentile
    interval: with 30 prompts the percentile interval of the rare grade covers well under 95%,
    ours still about 95% (600 studies, so the band is wider)."""
    rng = np.random.default_rng(15)
    ours = percentile = 0
    for s in range(600):
        clusters, systems, grades = _study(rng, prompts=30)
        (result,) = stats.grade_shares(clusters, systems, grades, 3, n_resamples=400, seed=s)
        ours += result.shares[FAIL].low <= 0.12 <= result.shares[FAIL].high
        boot = np.random.default_rng(s).integers(0, 30, (400, 30))
        fails = np.bincount(clusters[grades == FAIL], minlength=30)
        share = fails[boot].sum(axis=1) / 90
        low, high = np.quantile(share, [0.025, 0.975])
        percentile += low <= 0.12 <= high
    assert ours / 600 > 0.925 and percentile / 600 < 0.925, (ours, percentile)


def test_below_twenty_prompts_the_betting_interval_covers_at_least_95_percent():
    """200 studies of 10 prompts x 3 raters (the same heterogeneity): the betting interval is
    valid at any number of prompts, so it covers at least 95% (here: every time; it is wide,
    about +/-27 points for the 12% grade, which is what 10 prompts can say)."""
    rng = np.random.default_rng(21)
    truth = np.array([0.12, 0.38, 0.50])
    hits, widths = np.zeros(3), []
    for s in range(200):
        (result,) = stats.grade_shares(*_study(rng, prompts=10, truth=truth), 3, seed=s)
        assert result.small_sample
        hits += [share.low <= t <= share.high for share, t in zip(result.shares, truth, strict=True)]
        widths.append(result.shares[FAIL].high - result.shares[FAIL].low)
    assert (hits / 200 >= 0.95).all(), hits / 200
    assert 0.3 < np.mean(widths) < 0.7
