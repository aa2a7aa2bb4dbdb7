"""Agreement between rater groups and a judge's two orders: worked examples, scikit-learn's kappa,
loops over explicit vote pairs, and the prompt-clustered bootstrap recomputed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from comparisons.stats import table_metrics as tm
from comparisons.stats.group_agreement import tie_discounted_accuracy_counts
from comparisons.stats.judge_agreement import group_agreement, order_agreement, order_consistency

NAN = np.nan


def test_kappa_matches_a_worked_two_by_two_example():
    # p_o = 0.7, p_e = (25 * 30 + 25 * 20) / 50^2 = 0.5, kappa = (0.7 - 0.5) / 0.5 = 0.4
    assert tm.kappa(np.array([[[20.0, 5.0], [10.0, 15.0]]]))[0] == pytest.approx(0.4, abs=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_equals_scikit_learn_for_every_weighting(weights):
    rng = np.random.default_rng(7)
    a = rng.integers(0, 4, 300)
    b = np.where(rng.random(300) < 0.6, a, rng.integers(0, 4, 300))
    table = np.zeros((1, 4, 4))
    np.add.at(table, (0, a, b), 1)
    assert tm.kappa(table, weights)[0] == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-12)


def test_order_agreement_reads_each_figure_of_a_worked_example():
    human = [1, 0, -1, 1]
    first = [1, 0, 1, 1]
    second = [1, 1, -1, -1]
    r = order_agreement([0, 1, 2, 3], human, first, second, n_resamples=200)
    assert r.n_items == 4
    assert r.strict_first_order.estimate == pytest.approx(3 / 4)
    assert r.strict_second_order.estimate == pytest.approx(2 / 4)
    assert r.strict_both_orders.estimate == pytest.approx(1 / 4)
    assert r.consistency.estimate == pytest.approx(1 / 4)
    assert r.biased_toward_first.estimate == pytest.approx(2 / 4)  # items 2, 3: the first shown wins in both
    assert r.biased_toward_second.estimate == pytest.approx(0.0)
    # combined verdicts: win, tie, tie, tie
    assert r.agreement_with_ties.estimate == pytest.approx(2 / 4)
    assert r.agreement_without_ties.estimate == pytest.approx(1.0)
    assert r.tie_discounted_accuracy.estimate == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)


def _explicit_pairs(items, a_votes, b_votes):
    """Every (A vote, B vote) pair on a shared item, as two label lists."""
    xs, ys = [], []
    for item in set(items):
        for x in a_votes.get(item, []):
            for y in b_votes.get(item, []):
                xs.append(x)
                ys.append(y)
    return np.array(xs), np.array(ys)


def test_group_agreement_equals_a_loop_over_every_cross_pair_of_votes():
    rng = np.random.default_rng(3)
    items = np.arange(120)
    a_votes = {i: list(rng.choice([-1, 0, 1], size=rng.integers(0, 4))) for i in items}
    b_votes = {i: list(rng.choice([-1, 0, 1], size=rng.integers(0, 3), p=[0.45, 0.1, 0.45])) for i in items}

    def counts(votes):
        return np.array([[votes[i].count(v) for v in (-1, 0, 1)] for i in items])

    result = group_agreement(items // 3, counts(a_votes), counts(b_votes), n_resamples=300)
    x, y = _explicit_pairs(items, a_votes, b_votes)
    no_tie = (x != 0) & (y != 0)
    assert result.n_pairs == x.size
    assert result.agreement_with_ties.estimate == pytest.approx(np.mean(x == y), abs=1e-12)
    assert result.agreement_without_ties.estimate == pytest.approx(np.mean(x[no_tie] == y[no_tie]), abs=1e-12)
    lima = tie_discounted_accuracy_counts(counts(a_votes), counts(b_votes)).value
    assert result.tie_discounted_accuracy.estimate == pytest.approx(lima, abs=1e-12)
    assert result.cohens_kappa.estimate == pytest.approx(cohen_kappa_score(x, y), abs=1e-12)
    assert result.weighted_kappa_linear.estimate == pytest.approx(cohen_kappa_score(x, y, weights="linear"), abs=1e-12)


def test_interval_is_the_percentile_bootstrap_over_prompts_recomputed_by_hand():
    rng = np.random.default_rng(11)
    prompts = np.repeat(np.arange(40), 3)
    human = rng.choice([-1.0, 0.0, 1.0], prompts.size)
    first = np.where(rng.random(prompts.size) < 0.7, human, rng.choice([-1.0, 0.0, 1.0], prompts.size))
    second = np.where(rng.random(prompts.size) < 0.7, first, -first)
    got = order_agreement(prompts, human, first, second, n_resamples=500, seed=5)
    draws = np.random.default_rng(5).integers(0, 40, size=(500, 40))
    values = []
    for d in draws:
        rows = np.concatenate([np.flatnonzero(prompts == p) for p in d])
        values.append(np.mean((first[rows] == human[rows]) & (second[rows] == human[rows])))
    lo, hi = np.quantile(values, [0.025, 0.975])
    assert got.strict_both_orders.low == pytest.approx(lo, abs=1e-12)
    assert got.strict_both_orders.high == pytest.approx(hi, abs=1e-12)


def test_votes_on_one_prompt_widen_the_interval_when_they_are_copies():
    rng = np.random.default_rng(2)
    human = rng.choice([-1.0, 1.0], 60)
    judge = np.where(rng.random(60) < 0.75, human, -human)
    alone = order_agreement(np.arange(60), human, judge, judge, n_resamples=1000)
    copies = order_agreement(
        np.repeat(np.arange(60), 4), *(np.repeat(x, 4) for x in (human, judge, judge)), n_resamples=1000
    )
    assert copies.strict_both_orders.estimate == pytest.approx(alone.strict_both_orders.estimate)

    def width(i):
        return i.high - i.low

    assert width(copies.strict_both_orders) == pytest.approx(width(alone.strict_both_orders), rel=0.15)


def test_items_missing_a_label_are_left_out_and_nothing_is_an_undefined_estimate():
    r = order_agreement([0, 1], [1, NAN], [1, 1], [1, 1], n_resamples=50)
    assert r.n_items == 1 and r.strict_both_orders.estimate == 1.0
    nothing_shared = group_agreement([0], [[1, 0, 0]], [[0, 0, 0]], n_resamples=50)
    assert nothing_shared.n_pairs == 0 and nothing_shared.agreement_with_ties.estimate is None
    assert group_agreement(np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3))).n_items == 0
    empty = order_consistency([], [], [], n_resamples=50)
    assert empty.n_items == 0 and empty.consistency.estimate is None and empty.consistency.low is None


def test_labels_outside_loss_tie_win_are_refused():
    with pytest.raises(ValueError, match="labels"):
        order_consistency([0], [2], [1])


def test_clustered_agreement_interval_covers_the_true_agreement_in_simulation():
    """Prompts with a random-effect judge accuracy (so items on one prompt are correlated):
    the 95% interval of the judge's per-order agreement covers the true mean accuracy."""
    rng = np.random.default_rng(0)
    hits, studies, truth = 0, 200, 0.7
    for s in range(studies):
        prompts = np.repeat(np.arange(60), 4)
        accuracy = rng.beta(7, 3, 60)[prompts]  # mean 0.7
        human = rng.choice([-1.0, 1.0], prompts.size)
        judge = np.where(rng.random(prompts.size) < accuracy, human, -human)
        ci = order_agreement(prompts, human, judge, judge, n_resamples=300, seed=s).strict_first_order
        hits += ci.low <= truth <= ci.high
    assert 0.90 <= hits / studies <= 0.985


def test_many_prompts_with_few_kinds_of_table_resample_by_kind_with_the_same_interval():
    """Past 200 prompts whose tables repeat, resamples count draws per kind of table (a multinomial);
    the interval matches the prompt-index bootstrap recomputed by hand, to Monte Carlo error."""
    rng = np.random.default_rng(4)
    prompts = np.repeat(np.arange(600), 2)
    human = rng.choice([-1.0, 0.0, 1.0], prompts.size)
    judge = np.where(rng.random(prompts.size) < 0.6, human, rng.choice([-1.0, 0.0, 1.0], prompts.size))
    got = order_consistency(prompts, human, judge, n_resamples=4000, seed=1).consistency
    draws = np.random.default_rng(9).integers(0, 600, size=(4000, 600))
    same = (human == judge).reshape(600, 2).sum(axis=1)
    values = same[draws].sum(axis=1) / 1200
    lo, hi = np.quantile(values, [0.025, 0.975])
    assert got.estimate == pytest.approx(np.mean(human == judge), abs=1e-12)
    assert (got.low, got.high) == pytest.approx((lo, hi), abs=0.006)
