"""The agreement figures on PandaLM's human test set (three annotators per item, with ties):
the published Cohen's kappas between annotator pairs, read from our contingency-table kappa,
and the group agreement of one annotator against the other two equal to explicit loops."""

from __future__ import annotations

import json

import numpy as np
import pytest

from comparisons.stats import table_metrics as tm
from comparisons.stats.judge_agreement import group_agreement, order_agreement

PUBLISHED_KAPPA = {(1, 2): 0.8520, (1, 3): 0.8789, (2, 3): 0.8617}  # data/README: exact with three classes


@pytest.fixture(scope="module")
def annotators(shared_data) -> np.ndarray:
    items = json.loads((shared_data / "pandalm" / "testset-v1.json").read_text())
    # 0 tie, 1 response1 better, 2 response2 better -> +1 response1 wins, 0 tie, -1 loses
    return np.array([[{"0": 0, "1": 1, "2": -1}[str(item[f"annotator{k}"])] for k in (1, 2, 3)] for item in items])


@pytest.mark.parametrize("pair", sorted(PUBLISHED_KAPPA))
def test_cohens_kappa_of_annotator_pairs_equals_pandalms_published_values(annotators, pair):
    a, b = annotators[:, pair[0] - 1] + 1, annotators[:, pair[1] - 1] + 1
    table = np.zeros((1, 3, 3))
    np.add.at(table, (0, a, b), 1)
    assert tm.kappa(table)[0] == pytest.approx(PUBLISHED_KAPPA[pair], abs=5e-5)


def test_one_annotator_against_the_other_two_as_groups_and_as_two_orders(annotators):
    def counts(labels):
        return np.stack([(labels == v).sum(axis=1) for v in (-1, 0, 1)], axis=1)

    first, rest = annotators[:, :1], annotators[:, 1:]
    result = group_agreement(np.arange(len(annotators)), counts(first), counts(rest), n_resamples=500)
    x, y = np.repeat(first[:, 0], 2), rest.ravel()
    assert result.agreement_with_ties.estimate == pytest.approx(np.mean(x == y), abs=1e-12)
    decided = (x != 0) & (y != 0)
    assert result.agreement_without_ties.estimate == pytest.approx(np.mean(x[decided] == y[decided]), abs=1e-12)
    assert result.agreement_with_ties.low < result.agreement_with_ties.estimate < result.agreement_with_ties.high
    # annotators 2 and 3 standing in for a judge's two orders against annotator 1
    orders = order_agreement(
        np.arange(len(annotators)), annotators[:, 0], annotators[:, 1], annotators[:, 2], n_resamples=500
    )
    assert orders.strict_both_orders.estimate == pytest.approx(
        np.mean((annotators[:, 1:] == annotators[:, :1]).all(axis=1))
    )
    assert orders.consistency.estimate == pytest.approx(np.mean(annotators[:, 1] == annotators[:, 2]))
