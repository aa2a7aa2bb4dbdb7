"""The vectorised agreement section of the results (pure: a VoteTable, no database) gives the
tables, order and kappas of the per-item loop it replaced, and reports Dawid-Skene rater
quality under "rater_quality"."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from comparisons.stats import cohens_kappa_table
from results.agreement import MAX_RATER_PAIRS, MIN_SHARED, _cohen_pairs, canonical_labels
from results.compute import compute_results
from results.params import Params
from results.table import VoteTable


def _loop_cohen_pairs(raters, items, labels):
    """The earlier implementation, kept here as the reference."""
    by_item: dict = {}
    for rater, item, label in zip(raters.tolist(), items.tolist(), labels.tolist(), strict=True):
        by_item.setdefault(item, []).append((rater, label))
    tables: dict = {}
    for entries in by_item.values():
        entries.sort()
        for i in range(len(entries)):
            for j in range(i + 1, len(entries)):
                (r1, l1), (r2, l2) = entries[i], entries[j]
                tables.setdefault((r1, r2), np.zeros((3, 3)))[l1 + 1, l2 + 1] += 1
    top = sorted(tables.items(), key=lambda kv: -kv[1].sum())[:MAX_RATER_PAIRS]
    return [
        {"raters": list(p), "shared": int(t.sum()), "kappa": cohens_kappa_table(t).value}
        for p, t in top
        if t.sum() >= MIN_SHARED
    ]


def _votes(seed: int, n_items: int = 3000, n_raters: int = 14):
    """Items with 2 to 5 distinct raters each, shuffled; ids not in item order."""
    rng = np.random.default_rng(seed)
    items, raters = [], []
    for item in rng.permutation(n_items) * 3 + 11:
        chosen = rng.choice(n_raters, rng.integers(2, 6), replace=False)
        items += [item] * chosen.size
        raters += (chosen * 5 + 2).tolist()
    order = rng.permutation(len(items))
    return np.array(items)[order], np.array(raters)[order], rng.choice([-1, 0, 1], len(items))


def test_vectorised_cohen_pairs_equal_the_per_item_loop():
    items, raters, labels = _votes(0)
    rows = np.unique(items, return_inverse=True)[1]
    fast = _cohen_pairs(raters, rows, labels)
    assert fast == _loop_cohen_pairs(raters, items, labels)
    assert len(fast) == MAX_RATER_PAIRS and fast[0]["shared"] >= fast[-1]["shared"] >= MIN_SHARED


def test_pairs_tied_on_shared_comparisons_keep_the_loops_first_seen_order():
    items, raters, labels = _votes(1, n_items=400, n_raters=30)  # many pairs share the same count
    rows = np.unique(items, return_inverse=True)[1]
    fast = _cohen_pairs(raters, rows, labels)
    shared = [p["shared"] for p in fast]
    assert len(set(shared)) < len(shared)  # there are ties to order
    assert fast == _loop_cohen_pairs(raters, items, labels)


def test_results_report_dawid_skene_rater_quality_on_shared_comparisons():
    rng = np.random.default_rng(2)
    n = 6000
    comparison = np.arange(n) // 3
    truth = rng.choice([1, 0, 2], n // 3, p=[0.5, 0.2, 0.3])  # winner per comparison (0 = tie)
    rater = np.tile([1, 2, 3], n // 3) + 3 * (comparison % 2)  # raters 1..6
    good = rng.random(n) < np.where(rater == 6, 0.35, 0.9)
    winner = np.where(good, truth[comparison], rng.choice([1, 0, 2], n))
    left = np.where(comparison % 2 == 0, 1, 2)
    table = VoteTable(
        comparison,
        comparison // 2,
        rater,
        np.array(["crowd"] * n, dtype=object),
        left,
        3 - left,
        winner,
        np.full(n, 100),
        np.full(n, 120),
        {1: "LIMA", 2: "GPT-4"},
    )
    results = compute_results(table, [(1, 2)], Params(n_resamples=200))
    quality = results["rater_quality"]
    assert quality["method"] == "dawid-skene" and quality["classes"] == ["loss", "tie", "win"]
    by_rater = {r["rater"]: r for r in quality["raters"]}
    assert sorted(by_rater) == [1, 2, 3, 4, 5, 6]
    assert by_rater[6]["accuracy"] < 0.6 < min(by_rater[r]["accuracy"] for r in range(1, 6))
    assert np.asarray(by_rater[1]["confusion"]).shape == (3, 3)
    assert quality["n_items"] == n // 3 and quality["n_votes"] == n
    assert canonical_labels(table).tolist() == [{1: 1, 0: 0, 2: -1}[w] for w in winner.tolist()]
    assert results["agreement"]["krippendorff_alpha_nominal"]["interval"]["low"] == pytest.approx(
        results["agreement"]["krippendorff_alpha_nominal"]["value"], abs=0.1
    )


def test_majority_labels_take_the_unique_top_label_call_splits_ties_and_skip_empty_items():
    from results.agreement import majority_labels

    counts = np.random.default_rng(3).integers(0, 3, (500, 3)).astype(float)
    expected = [-1 if row.sum() == 0 else (int(row.argmax()) if (row == row.max()).sum() == 1 else 1) for row in counts]
    assert majority_labels(counts).tolist() == expected


def test_group_codes_read_one_vote_per_rater_and_fall_back_when_a_rater_changes_group():
    n = 12
    rater = np.arange(n) % 4
    group = np.array(["crowd", "judge", "author", "crowd"] * 3, dtype=object)
    table = VoteTable(
        np.arange(n),
        np.arange(n),
        rater,
        group,
        np.ones(n, int),
        np.full(n, 2),
        np.ones(n, int),
        np.ones(n, int),
        np.ones(n, int),
        {1: "a", 2: "b"},
    )
    names, codes = table.group_codes()
    assert names == ["author", "crowd", "judge"] and (np.asarray(names, dtype=object)[codes] == group).all()
    group = group.copy()
    group[5] = "expert"  # rater 1 votes once as an expert (a new table: a table's codes are kept with it)
    table = dataclasses.replace(table, group=group)
    names, codes = table.group_codes()
    assert names == ["author", "crowd", "expert", "judge"] and (np.asarray(names, dtype=object)[codes] == group).all()


def test_judges_sit_beside_the_headline_numbers_not_in_them():
    rng = np.random.default_rng(5)
    n = 3000
    comparison = np.arange(n) // 3
    base = 2 + comparison % 2
    left = np.where(rng.random(n) < 0.5, 1, base)
    right = np.where(left == 1, base, 1)
    winner = np.where(rng.random(n) < 0.6, 1, np.where(rng.random(n) < 0.5, 0, base))  # 0: a tie
    rater = rng.integers(1, 30, n)
    group = np.where(rater % 5 == 0, "judge", "crowd").astype(object)
    table = VoteTable(
        comparison,
        comparison // 2,
        rater,
        group,
        left,
        right,
        winner,
        rng.integers(10, 900, n),
        rng.integers(10, 900, n),
        {1: "LIMA", 2: "GPT-4", 3: "Bard"},
    )
    params = Params(n_resamples=200)
    results = compute_results(table, [(1, 2), (1, 3)], params)
    humans = compute_results(table.select(group != "judge"), [(1, 2), (1, 3)], params)
    for with_judges, without in zip(results["pairs"], humans["pairs"], strict=True):
        assert {k: v for k, v in with_judges.items() if k != "by_group"} == {
            k: v for k, v in without.items() if k != "by_group"
        }
        assert set(with_judges["by_group"]) == {"crowd", "judge"} and set(without["by_group"]) == {"crowd"}
        assert with_judges["by_group"]["crowd"] == without["by_group"]["crowd"]
    assert results["ranking"] == humans["ranking"] and results["bias"] == humans["bias"]
    assert results["headline_votes"] == humans["headline_votes"] == int((group != "judge").sum())


def test_pair_votes_are_the_votes_outcomes_for_picks_in_either_order():
    rng = np.random.default_rng(6)
    n = 400
    left = rng.integers(1, 6, n)
    right = (left + rng.integers(1, 5, n) - 1) % 5 + 1
    winner = np.where(rng.random(n) < 0.3, 0, np.where(rng.random(n) < 0.5, left, right))
    table = VoteTable(
        np.arange(n),
        np.arange(n),
        np.arange(n),
        np.array(["crowd"] * n, dtype=object),
        left,
        right,
        winner,
        np.ones(n, int),
        np.ones(n, int),
        {},
    )
    keys = table.pair_keys()
    for first, second in [(1, 2), (2, 1), (3, 5), (5, 4), (1, 9), (2, 12)]:
        index, outcomes = table.pair_votes(keys, first, second)
        mask, expected = table.outcomes_for(first, second)
        assert index.tolist() == np.flatnonzero(mask).tolist() and outcomes.tolist() == expected.tolist()
