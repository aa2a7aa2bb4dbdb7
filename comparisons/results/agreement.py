"""Agreement among raters on the comparisons they share (pure)."""

from __future__ import annotations

from itertools import combinations_with_replacement

import numpy as np

from comparisons import stats
from comparisons.results.table import VoteTable
from comparisons.stats.group_agreement import bootstrap_tie_discounted_accuracy, tie_discounted_accuracy_counts

MAX_RATER_PAIRS = 50
MIN_SHARED = 10


def canonical_labels(votes: VoteTable) -> np.ndarray:
    """Each vote as -1 / 0 / +1 from the side of the lower system id of its comparison, so
    votes on one comparison are comparable whatever sides each rater saw."""
    low = np.minimum(votes.left, votes.right)
    high = np.maximum(votes.left, votes.right)
    return np.where(votes.winner == low, 1, np.where(votes.winner == high, -1, 0)).astype(np.int64)


def label_counts(items: np.ndarray, labels: np.ndarray, index: dict[int, int]) -> np.ndarray:
    table = np.zeros((len(index), 3))
    rows = np.asarray([index[i] for i in items.tolist()], dtype=np.int64)
    np.add.at(table, (rows, labels + 1), 1)
    return table


def slot_matrix(items: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """A (slots x items) matrix holding each item's labels in its first slots, NaN after.
    Krippendorff's alpha and Fleiss' kappa depend only on each item's label counts, so
    this equals the (raters x items) matrix for them, at a fraction of the size."""
    uniq, inv = np.unique(items, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    inv_sorted = inv[order]
    starts = np.searchsorted(inv_sorted, np.arange(uniq.size))
    slot = np.arange(inv.size) - starts[inv_sorted]
    width = int(slot.max()) + 1 if slot.size else 0
    matrix = np.full((width, uniq.size), np.nan)
    matrix[slot, inv_sorted] = labels[order]
    return matrix


def agreement_section(votes: VoteTable, n_resamples: int, level: float, seed: int) -> dict:
    labels = canonical_labels(votes)
    shared = np.unique(votes.comparison, return_counts=True)
    multi = set(shared[0][shared[1] >= 2].tolist())
    keep = np.isin(votes.comparison, list(multi))
    items, labels_kept, groups = votes.comparison[keep], labels[keep], votes.group[keep]
    index = {c: i for i, c in enumerate(sorted(multi))}
    by_group = []
    group_names = sorted(set(groups.tolist()))
    for g1, g2 in combinations_with_replacement(group_names, 2):
        a = label_counts(items[groups == g1], labels_kept[groups == g1], index)
        b = None if g1 == g2 else label_counts(items[groups == g2], labels_kept[groups == g2], index)
        point = tie_discounted_accuracy_counts(a, b)
        if point.value is None:
            continue
        interval = bootstrap_tie_discounted_accuracy(a, b, n_resamples, level, seed)
        by_group.append({"groups": [g1, g2], "pairs": point.n_items, "tie_discounted_accuracy": interval.as_dict()})
    slots = slot_matrix(items, labels_kept)
    boot = min(n_resamples, 500)
    section = {
        "comparisons_with_several_votes": len(multi),
        "tie_discounted_accuracy_by_group": by_group,
        "krippendorff_alpha_nominal": _with_interval(slots, lambda d: stats.krippendorff_alpha(d, "nominal"), boot, level, seed),
        "krippendorff_alpha_ordinal": _with_interval(slots, lambda d: stats.krippendorff_alpha(d, "ordinal"), boot, level, seed),
        "fleiss_kappa": _fleiss(items, labels_kept),
        "cohens_kappa_rater_pairs": _cohen_pairs(votes.rater[keep], items, labels_kept),
    }
    return section


def _with_interval(matrix: np.ndarray, statistic, n_resamples: int, level: float, seed: int) -> dict:
    point = statistic(matrix) if matrix.size else None
    if point is None or point.value is None:
        return {"value": None, "interval": None, "n_items": 0 if point is None else point.n_items}
    interval = stats.bootstrap_agreement(matrix, statistic, n_resamples, level, seed)
    return {"value": point.value, "n_items": point.n_items, "method": point.method, "interval": interval.as_dict()}


def _fleiss(items: np.ndarray, labels: np.ndarray) -> dict | None:
    """Fleiss' kappa on the comparisons with the most common number of votes (it needs the
    same number of ratings per item)."""
    if items.size == 0:
        return None
    uniq, counts = np.unique(items, return_counts=True)
    m = int(np.bincount(counts).argmax())
    chosen = np.isin(items, uniq[counts == m])
    table = label_counts(items[chosen], labels[chosen], {c: i for i, c in enumerate(uniq[counts == m].tolist())})
    result = stats.fleiss_kappa(table)
    return {"value": result.value, "n_items": result.n_items, "ratings_per_item": m, "method": result.method}


def _cohen_pairs(raters: np.ndarray, items: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Cohen's kappa for the rater pairs that share the most comparisons (at least 10)."""
    by_item: dict[int, list[tuple[int, int]]] = {}
    for rater, item, label in zip(raters.tolist(), items.tolist(), labels.tolist()):
        by_item.setdefault(item, []).append((rater, label))
    tables: dict[tuple[int, int], np.ndarray] = {}
    for entries in by_item.values():
        entries.sort()
        for i in range(len(entries)):
            for j in range(i + 1, len(entries)):
                (r1, l1), (r2, l2) = entries[i], entries[j]
                table = tables.setdefault((r1, r2), np.zeros((3, 3)))
                table[l1 + 1, l2 + 1] += 1
    top = sorted(tables.items(), key=lambda kv: -kv[1].sum())[:MAX_RATER_PAIRS]
    return [
        {"raters": list(pair), "shared": int(table.sum()), "kappa": stats.cohens_kappa_table(table).value}
        for pair, table in top
        if table.sum() >= MIN_SHARED
    ]
