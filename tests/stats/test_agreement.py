from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from comparisons.stats.agreement import (
    bootstrap_agreement,
    category_table,
    cohens_kappa,
    cohens_kappa_table,
    fleiss_kappa,
    krippendorff_alpha,
    tie_discounted_accuracy,
)

NAN = np.nan
# Fleiss (1971) example as tabulated on Wikipedia ("Fleiss' kappa", worked example):
# 10 subjects, 5 categories, 14 raters each; kappa = 0.210.
FLEISS_WIKIPEDIA = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def _ratings(seed: int, raters: int = 4, items: int = 60, missing: float = 0.2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.choice([-1.0, 0.0, 1.0], items, p=[0.35, 0.2, 0.45])
    data = np.where(rng.random((raters, items)) < 0.7, truth, rng.choice([-1.0, 0.0, 1.0], (raters, items)))
    data[rng.random(data.shape) < missing] = NAN
    return data


def test_tie_discounted_accuracy_scores_agree_one_tie_half_and_disagree_zero():
    data = [[1, 1, 0, -1], [1, 0, 0, 1]]  # agree, one tie, both tie (agree), opposite
    r = tie_discounted_accuracy(data)
    assert r.value == pytest.approx((1 + 0.5 + 1 + 0) / 4)
    assert r.n_items == 4


def test_tie_discounted_accuracy_pools_every_rater_pair_on_shared_items_only():
    data = [[1, 1, NAN], [1, NAN, -1], [0, 1, -1]]
    # pairs: (0,1) item0 agree; (0,2) item0 half, item1 agree; (1,2) item0 half, item2 agree
    r = tie_discounted_accuracy(data)
    assert r.n_items == 5
    assert r.value == pytest.approx((1 + 0.5 + 1 + 0.5 + 1) / 5)


def test_tie_discounted_accuracy_with_one_rater_is_undefined_not_an_error():
    r = tie_discounted_accuracy([[1, 0, -1]])
    assert r.value is None and r.n_items == 0
    json.dumps(r.as_dict(), allow_nan=False)


@pytest.mark.parametrize("seed", range(4))
def test_cohens_kappa_matches_statsmodels_on_a_contingency_table(seed):
    rng = np.random.default_rng(seed)
    a = rng.choice([0, 1, 2], 200)
    b = np.where(rng.random(200) < 0.6, a, rng.choice([0, 1, 2], 200))
    table = np.zeros((3, 3))
    np.add.at(table, (a, b), 1)
    ref = sm_cohens_kappa(table).kappa
    assert cohens_kappa(a, b).value == pytest.approx(ref, abs=1e-12)
    assert cohens_kappa_table(table).value == pytest.approx(ref, abs=1e-12)


def test_cohens_kappa_uses_all_given_categories_and_drops_missing_pairs():
    a = [1, 1, 0, NAN, -1]
    b = [1, 0, 0, 1, NAN]
    r = cohens_kappa(a, b, categories=[-1, 0, 1])
    assert r.n_items == 3
    table = np.array([[0, 0, 0], [0, 1, 0], [0, 1, 1]])
    assert r.value == pytest.approx(sm_cohens_kappa(table).kappa)


def test_cohens_kappa_is_one_for_perfect_agreement_and_undefined_without_variation():
    assert cohens_kappa([1, 0, -1, 1], [1, 0, -1, 1]).value == pytest.approx(1.0)
    assert cohens_kappa([1, 1, 1], [1, 1, 1]).value is None
    assert cohens_kappa([], []).value is None


def test_cohens_kappa_refuses_labels_outside_the_categories():
    with pytest.raises(ValueError):
        cohens_kappa([2], [1], categories=[-1, 0, 1])


def test_fleiss_kappa_reproduces_the_fleiss_1971_worked_example():
    r = fleiss_kappa(FLEISS_WIKIPEDIA)
    assert r.value == pytest.approx(0.20993070442195522, abs=1e-12)
    assert round(r.value, 3) == 0.210


@pytest.mark.parametrize("seed", range(3))
def test_fleiss_kappa_matches_statsmodels(seed):
    data = _ratings(seed, raters=5, items=80, missing=0.0)
    table = category_table(data, [-1, 0, 1])
    assert fleiss_kappa(table).value == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


def test_fleiss_kappa_requires_the_same_number_of_ratings_per_item():
    with pytest.raises(ValueError):
        fleiss_kappa([[2, 1], [1, 1]])
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 0], [0, 1]])


def test_category_table_counts_labels_per_item_ignoring_missing():
    table = category_table([[1, 0, NAN], [1, -1, 0]], [-1, 0, 1])
    assert table.tolist() == [[0, 0, 2], [1, 1, 0], [0, 1, 0]]


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
@pytest.mark.parametrize("seed", range(4))
def test_krippendorff_alpha_matches_the_krippendorff_package(seed, level):
    data = _ratings(seed)
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level).value == pytest.approx(ref, abs=1e-12)


def test_ordinal_alpha_penalises_win_versus_loss_more_than_win_versus_tie():
    near = np.array([[1, 1, -1, -1, 0, 0, 1, -1], [0, 1, -1, 0, 0, 0, 1, -1]], dtype=float)
    far = np.array([[1, 1, -1, -1, 0, 0, 1, -1], [-1, 1, -1, 1, 0, 0, 1, -1]], dtype=float)
    assert krippendorff_alpha(near, "ordinal").value > krippendorff_alpha(far, "ordinal").value
    assert krippendorff_alpha(near, "ordinal").value > krippendorff_alpha(near, "nominal").value


def test_krippendorff_alpha_is_undefined_with_one_rater_or_one_value():
    assert krippendorff_alpha([[1, 0, -1]]).value is None
    assert krippendorff_alpha([[1, 1], [1, 1]]).value is None


def test_krippendorff_alpha_refuses_unknown_levels():
    with pytest.raises(ValueError):
        krippendorff_alpha([[1, 0]], "interval")


def test_item_bootstrap_is_seeded_and_brackets_the_estimate():
    data = _ratings(11, items=150)
    a = bootstrap_agreement(data, lambda d: krippendorff_alpha(d, "ordinal"), n_resamples=300, seed=3)
    b = bootstrap_agreement(data, lambda d: krippendorff_alpha(d, "ordinal"), n_resamples=300, seed=3)
    assert a == b
    assert a.low < a.estimate < a.high
    assert a.method == "item bootstrap of krippendorff ordinal"
    t = bootstrap_agreement(data, tie_discounted_accuracy, n_resamples=300)
    assert 0.0 <= t.low < t.estimate < t.high <= 1.0


def test_item_bootstrap_of_an_undefined_statistic_has_no_interval():
    iv = bootstrap_agreement([[1, 0, -1]], tie_discounted_accuracy, n_resamples=10)
    assert iv.estimate is None and iv.low is None and iv.high is None


def test_fleiss_kappa_of_distinct_rows_weighted_by_their_counts_equals_the_full_table():
    table = category_table(_ratings(7, raters=3, items=400, missing=0.0), [-1, 0, 1])
    rows, counts = np.unique(table, axis=0, return_counts=True)
    weighted = fleiss_kappa(rows, weights=counts)
    assert weighted.value == pytest.approx(fleiss_kappa(table).value, abs=1e-12)
    assert weighted.n_items == 400
