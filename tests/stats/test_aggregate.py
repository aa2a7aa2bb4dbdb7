from __future__ import annotations

import pytest

from comparisons.stats.aggregate import aggregate_votes


def test_per_vote_aggregation_keeps_every_vote():
    ids, out = aggregate_votes(["a", "a", "b"], [1, -1, 0])
    assert ids.tolist() == ["a", "a", "b"] and out.tolist() == [1, -1, 0]


def test_majority_takes_the_unique_most_common_outcome_and_calls_splits_a_tie():
    ids = [1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5]
    out = [1, 1, 0, 1, -1, 1, 1, 0, 0, -1, -1, 1, -1]
    uid, maj = aggregate_votes(ids, out, how="majority")
    assert uid.tolist() == [1, 2, 3, 4, 5]
    assert maj.tolist() == [1, 0, 0, -1, -1]


def test_majority_of_three_different_labels_is_a_tie():
    _, maj = aggregate_votes([7, 7, 7], [1, 0, -1], how="majority")
    assert maj.tolist() == [0]


def test_majority_of_no_votes_is_empty():
    uid, maj = aggregate_votes([], [], how="majority")
    assert uid.size == 0 and maj.size == 0


def test_unknown_aggregation_is_refused():
    with pytest.raises(ValueError):
        aggregate_votes([1], [1], how="mean")
