"""Agreement among raters on the comparisons they share (pure)."""

from __future__ import annotations

from itertools import combinations_with_replacement

import numpy as np

from comparisons import stats
from comparisons.results.table import VoteTable
from comparisons.stats._base import factorize
from comparisons.stats.dawid_skene import dawid_skene
from comparisons.stats.group_agreement import tie_discounted_accuracy_interval

MAX_RATER_PAIRS = 50
MIN_SHARED = 10


def canonical_labels(votes: VoteTable) -> np.ndarray:
    """Each vote as -1 / 0 / +1 from the side of the lower system id of its comparison, so
    votes on one comparison are comparable whatever sides each rater saw."""
    low = np.minimum(votes.left, votes.right)
    high = np.maximum(votes.left, votes.right)
    return np.where(votes.winner == low, 1, np.where(votes.winner == high, -1, 0)).astype(np.int64)


def label_counts(rows: np.ndarray, labels: np.ndarray, n_rows: int) -> np.ndarray:
    """(n_rows x 3) counts of loss / tie / win labels per item, items given as row numbers."""
    return np.bincount(rows * 3 + labels + 1, minlength=3 * n_rows).reshape(-1, 3).astype(float)


def agreement_section(votes: VoteTable, n_resamples: int, level: float, seed: int) -> dict:
    return agreement_and_rater_quality(votes, n_resamples, level, seed)[0]


def agreement_and_rater_quality(votes: VoteTable, n_resamples: int, level: float, seed: int) -> tuple[dict, dict]:
    """The agreement section and the Dawid-Skene rater quality, both on the canonical
    labels of the comparisons with at least two votes."""
    labels = canonical_labels(votes)
    uniq, inv = factorize(votes.comparison)
    per_item = np.bincount(inv, minlength=uniq.size)
    several = per_item >= 2
    keep = several[inv]
    multi = uniq[several]
    rows = (np.cumsum(several) - 1)[inv[keep]]  # row of each kept vote's comparison in `multi`
    labels_kept, groups = labels[keep], votes.group[keep]
    by_group, kappa_by_group = [], []
    group_names = sorted(set(groups.tolist()))
    in_group = {g: groups == g for g in group_names}
    for g1, g2 in combinations_with_replacement(group_names, 2):
        a = label_counts(rows[in_group[g1]], labels_kept[in_group[g1]], multi.size)
        b = None if g1 == g2 else label_counts(rows[in_group[g2]], labels_kept[in_group[g2]], multi.size)
        point, interval = tie_discounted_accuracy_interval(a, b, n_resamples, level, seed)
        if point.value is None:
            continue
        by_group.append({"groups": [g1, g2], "pairs": point.n_items, "tie_discounted_accuracy": interval.as_dict()})
        if b is not None:
            kappa_by_group.append({"groups": [g1, g2], **majority_kappa(a, b)})
    table = label_counts(rows, labels_kept, multi.size)
    section = {
        "comparisons_with_several_votes": int(multi.size),
        "tie_discounted_accuracy_by_group": by_group,
        "krippendorff_alpha_nominal": _alpha(table, "nominal", n_resamples, level, seed),
        "krippendorff_alpha_ordinal": _alpha(table, "ordinal", n_resamples, level, seed),
        "fleiss_kappa": _fleiss(table),
        "cohens_kappa_rater_pairs": _cohen_pairs(votes.rater[keep], rows, labels_kept),
        "cohens_kappa_by_group": kappa_by_group,
    }
    return section, rater_quality(rows, votes.rater[keep], labels_kept)


def majority_labels(counts: np.ndarray) -> np.ndarray:
    """Per item, the majority label (0 loss, 1 tie, 2 win) of an (items x 3) count table;
    a split is a tie, an item with no vote -1."""
    top = counts.max(axis=1)
    unique = (counts == top[:, None]).sum(axis=1) == 1
    label = np.where(unique, counts.argmax(axis=1), 1)
    return np.where(counts.sum(axis=1) > 0, label, -1)


def majority_kappa(a: np.ndarray, b: np.ndarray) -> dict:
    """Cohen's kappa between two rater groups: each group's majority label per comparison,
    on the comparisons both groups labelled (e.g. the crowd's majority against a judge)."""
    la, lb = majority_labels(a), majority_labels(b)
    both = (la >= 0) & (lb >= 0)
    table = np.zeros((3, 3))
    np.add.at(table, (la[both], lb[both]), 1)
    kappa = stats.cohens_kappa_table(table).value if both.any() else None
    return {"items": int(both.sum()), "kappa": kappa, "method": "Cohen's kappa of the groups' majority labels"}


def rater_quality(items: np.ndarray, raters: np.ndarray, labels: np.ndarray) -> dict:
    """Dawid-Skene confusion matrices (true class x given label; classes loss, tie, win from
    the side of the lower system id of each comparison) and accuracies per rater id."""
    fit = dawid_skene(items, raters, labels + 1, n_classes=3)
    return {
        "method": fit.method, "classes": ["loss", "tie", "win"], "n_items": fit.n_items, "n_votes": fit.n_votes,
        "iterations": fit.iterations, "converged": fit.converged, "class_prior": fit.class_prior,
        "raters": [{"rater": r, "accuracy": a, "confusion": c}
                   for r, a, c in zip(fit.raters, fit.accuracy, fit.confusion)],
    }


def _alpha(table: np.ndarray, level: str, n_resamples: int, confidence: float, seed: int) -> dict:
    """Krippendorff's alpha from the per-comparison label counts (it depends on nothing
    else), with the item bootstrap over kinds of comparisons (stats.agreement_counts)."""
    interval = stats.bootstrap_krippendorff_counts(table, level, n_resamples, confidence, seed)
    n_items = int(np.count_nonzero(table.sum(axis=1) >= 2))
    if interval.estimate is None:
        return {"value": None, "interval": None, "n_items": n_items}
    return {"value": interval.estimate, "n_items": n_items, "method": f"krippendorff {level}",
            "interval": interval.as_dict()}


def _fleiss(table: np.ndarray) -> dict | None:
    """Fleiss' kappa on the comparisons with the most common number of votes (it needs the
    same number of ratings per item)."""
    if table.shape[0] == 0:
        return None
    per_item = table.sum(axis=1).astype(np.int64)
    m = int(np.bincount(per_item).argmax())
    result = stats.fleiss_kappa(table[per_item == m])
    return {"value": result.value, "n_items": result.n_items, "ratings_per_item": m, "method": result.method}


def _cohen_pairs(raters: np.ndarray, items: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Cohen's kappa for the rater pairs that share the most comparisons (at least 10).

    Every two votes on one comparison make a pair instance (lower rater id first); a
    bincount over (rater pair, label 1, label 2) gives all pairs' 3 x 3 tables at once.
    Pairs are ordered by shared comparisons, ties by first appearance (comparisons in
    the order of their first vote, then raters in order)."""
    if items.size == 0:
        return []
    rater_ids = np.unique(raters)
    n_r = rater_ids.size
    item_inv = items  # row numbers 0..n-1
    first_vote = np.full(int(item_inv.max()) + 1, items.size)
    np.minimum.at(first_vote, item_inv, np.arange(items.size))
    item_rank = np.empty(first_vote.size, dtype=np.int64)
    item_rank[np.argsort(first_vote, kind="stable")] = np.arange(first_vote.size)
    key = (item_rank[item_inv] * n_r + np.searchsorted(rater_ids, raters)) * 3 + labels + 1
    key.sort()
    rank, rater_idx, labels = key // (3 * n_r), key // 3 % n_r, key % 3
    x, y = _pair_instances(rank)
    if x.size == 0:
        return []
    code, cell = rater_idx[x] * n_r + rater_idx[y], labels[x] * 3 + labels[y]
    if n_r * n_r <= 2**22:
        tables = np.bincount(code * 9 + cell, minlength=9 * n_r * n_r).reshape(-1, 3, 3)
        first_seen = np.full(n_r * n_r, x.size)
        np.minimum.at(first_seen, code, np.arange(x.size))
        pair_codes = np.flatnonzero(tables.sum(axis=(1, 2)))
        tables, first_seen = tables[pair_codes], first_seen[pair_codes]
    else:
        pair_codes, first_seen, pair = np.unique(code, return_index=True, return_inverse=True)
        tables = np.bincount(pair * 9 + cell, minlength=9 * pair_codes.size).reshape(-1, 3, 3)
    shared = tables.sum(axis=(1, 2))
    out = []
    for p in np.lexsort((first_seen, -shared))[:MAX_RATER_PAIRS].tolist():
        if shared[p] >= MIN_SHARED:
            pair = [int(rater_ids[pair_codes[p] // n_r]), int(rater_ids[pair_codes[p] % n_r])]
            out.append({"raters": pair, "shared": int(shared[p]),
                        "kappa": stats.cohens_kappa_table(tables[p].astype(float)).value})
    return out


def _pair_instances(rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of every two votes on one item, votes sorted by item; in
    the order of a loop over items, then i, then j."""
    starts = np.flatnonzero(np.r_[True, rank[1:] != rank[:-1]])
    sizes = np.diff(np.r_[starts, rank.size])
    firsts, seconds, keys = [], [], []
    width = int(sizes.max())
    for m in np.unique(sizes[sizes >= 2]).tolist():
        i, j = np.triu_indices(m, 1)
        s = starts[sizes == m][:, None]
        firsts.append((s + i).ravel())
        seconds.append((s + j).ravel())
        keys.append((rank[s] * width * width + i * width + j).ravel())
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    x, y = np.concatenate(firsts), np.concatenate(seconds)
    if len(firsts) > 1:
        order = np.argsort(np.concatenate(keys), kind="stable")
        x, y = x[order], y[order]
    return x, y
