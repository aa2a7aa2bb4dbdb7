"""Agreement among raters on the comparisons they share (pure)."""

from __future__ import annotations

from itertools import combinations_with_replacement
from typing import Any

import numpy as np

from comparisons import stats
from comparisons.stats._base import factorize
from comparisons.stats.agreement_counts import item_types
from comparisons.stats.dawid_skene import dawid_skene
from comparisons.stats.group_agreement import tie_discounted_accuracy_interval
from results.table import VoteTable

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


def agreement_section(votes: VoteTable, n_resamples: int, level: float, seed: int) -> dict[str, Any]:
    return agreement_and_rater_quality(votes, n_resamples, level, seed)[0]


def agreement_and_rater_quality(
    votes: VoteTable,
    n_resamples: int,
    level: float,
    seed: int,
    groups: tuple[list[str], np.ndarray] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The agreement section and the Dawid-Skene rater quality, both on the canonical
    labels of the comparisons with at least two votes. ``groups``: ``votes.group_codes()``
    if already at hand."""
    labels = canonical_labels(votes)
    uniq, inv = factorize(votes.comparison)
    per_item = np.bincount(inv, minlength=uniq.size)
    several = per_item >= 2
    keep = several[inv]
    multi = uniq[several]
    rows = (np.cumsum(several) - 1)[inv[keep]]  # row of each kept vote's comparison in `multi`
    group_names, codes = votes.group_codes() if groups is None else groups
    labels_kept, codes = labels[keep], codes[keep]
    by_group, kappa_by_group = [], []
    per_group = label_counts(codes * multi.size + rows, labels_kept, len(group_names) * multi.size)
    per_group = per_group.reshape(len(group_names), multi.size, 3)  # group, comparison, label
    present = np.flatnonzero(np.bincount(codes, minlength=len(group_names))).tolist()
    for g1, g2 in combinations_with_replacement(present, 2):
        a, b = per_group[g1], None if g1 == g2 else per_group[g2]
        point, interval = tie_discounted_accuracy_interval(a, b, n_resamples, level, seed)
        if point.value is None:
            continue
        names = [group_names[g1], group_names[g2]]
        by_group.append({"groups": names, "pairs": point.n_items, "tie_discounted_accuracy": interval.as_dict()})
        if b is not None:
            kappa_by_group.append({"groups": names, **majority_kappa(a, b)})
    table = per_group.sum(axis=0)
    section = {
        "comparisons_with_several_votes": int(multi.size),
        "tie_discounted_accuracy_by_group": by_group,
        **_alphas(table, n_resamples, level, seed),
        "fleiss_kappa": _fleiss(table),
        "cohens_kappa_rater_pairs": _cohen_pairs(votes.rater[keep], rows, labels_kept),
        "cohens_kappa_by_group": kappa_by_group,
    }
    return section, rater_quality(rows, votes.rater[keep], labels_kept)


def majority_labels(counts: np.ndarray) -> np.ndarray:
    """Per item, the majority label (0 loss, 1 tie, 2 win) of an (items x 3) count table;
    a split is a tie, an item with no vote -1."""
    columns = [counts[:, c] for c in range(counts.shape[1])]  # column by column: a short axis
    top = np.maximum.reduce(columns)
    ties_at_top = sum((c == top).astype(np.int64) for c in columns)
    first_top = np.select([c == top for c in columns], range(len(columns)))  # argmax
    label = np.where(ties_at_top == 1, first_top, 1)
    return np.where(top > 0, label, -1)


def majority_kappa(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Cohen's kappa between two rater groups: each group's majority label per comparison,
    on the comparisons both groups labelled (e.g. the crowd's majority against a judge)."""
    la, lb = majority_labels(a), majority_labels(b)
    both = (la >= 0) & (lb >= 0)
    table = np.bincount(la[both] * 3 + lb[both], minlength=9).reshape(3, 3).astype(float)
    kappa = stats.cohens_kappa_table(table).value if both.any() else None
    return {"items": int(both.sum()), "kappa": kappa, "method": "Cohen's kappa of the groups' majority labels"}


def rater_quality(items: np.ndarray, raters: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Dawid-Skene confusion matrices (true class x given label; classes loss, tie, win from
    the side of the lower system id of each comparison) and accuracies per rater id."""
    fit = dawid_skene(items, raters, labels + 1, n_classes=3)
    return {
        "method": fit.method,
        "classes": ["loss", "tie", "win"],
        "n_items": fit.n_items,
        "n_votes": fit.n_votes,
        "iterations": fit.iterations,
        "converged": fit.converged,
        "class_prior": fit.class_prior,
        "raters": [
            {"rater": r, "accuracy": a, "confusion": c}
            for r, a, c in zip(fit.raters, fit.accuracy, fit.confusion, strict=True)
        ],
    }


def _alphas(table: np.ndarray, n_resamples: int, confidence: float, seed: int) -> dict[str, Any]:
    """Krippendorff's alpha, nominal and ordinal, from the per-comparison label counts (it
    depends on nothing else), with the item bootstrap over kinds of comparisons
    (stats.agreement_counts; both levels from one set of resamples)."""
    levels = ("nominal", "ordinal")
    intervals = stats.bootstrap_krippendorff_levels(table, levels, n_resamples, confidence, seed)
    n_items = int(np.count_nonzero(table.sum(axis=1) >= 2))
    out = {}
    for level, interval in zip(levels, intervals, strict=True):
        out[f"krippendorff_alpha_{level}"] = (
            {"value": None, "interval": None, "n_items": n_items}
            if interval.estimate is None
            else {
                "value": interval.estimate,
                "n_items": n_items,
                "method": f"krippendorff {level}",
                "interval": interval.as_dict(),
            }
        )
    return out


def _fleiss(table: np.ndarray) -> dict[str, Any] | None:
    """Fleiss' kappa on the comparisons with the most common number of votes (it needs the
    same number of ratings per item), from the distinct rows of the table and their counts."""
    if table.shape[0] == 0:
        return None
    kinds, mult = item_types(table)
    per_kind = kinds.sum(axis=1).astype(np.int64)
    m = int(np.bincount(per_kind, weights=mult).argmax())
    result = stats.fleiss_kappa(kinds[per_kind == m], weights=mult[per_kind == m])
    return {"value": result.value, "n_items": result.n_items, "ratings_per_item": m, "method": result.method}


def _cohen_pairs(raters: np.ndarray, items: np.ndarray, labels: np.ndarray) -> list[dict[str, Any]]:
    """Cohen's kappa for the rater pairs that share the most comparisons (at least 10).

    Every two votes on one comparison make a pair instance (lower rater id first); a
    bincount over (rater pair, label 1, label 2) gives all pairs' 3 x 3 tables at once.
    Pairs are ordered by shared comparisons, ties by first appearance (comparisons in
    the order of their first vote, then raters in order)."""
    if items.size == 0:
        return []
    rater_ids, rater_inv = factorize(raters)
    n_r = rater_ids.size
    first_vote = np.full(int(items.max()) + 1, items.size)
    np.minimum.at(first_vote, items, np.arange(items.size))
    is_first = np.zeros(items.size + 1, dtype=bool)
    is_first[first_vote] = True
    item_rank = (np.cumsum(is_first) - 1)[first_vote]  # items in the order of their first vote
    key = (item_rank[items] * n_r + rater_inv) * 3 + labels + 1
    key.sort()
    rest, labels = np.divmod(key, 3)
    rank, rater_idx = np.divmod(rest, n_r)
    x, y, order = _pair_instances(rank)
    if x.size == 0:
        return []
    code, cell = rater_idx[x] * n_r + rater_idx[y], labels[x] * 3 + labels[y]
    if n_r * n_r <= 2**22:
        tables = np.bincount(code * 9 + cell, minlength=9 * n_r * n_r).reshape(-1, 3, 3)
        first_seen = np.full(n_r * n_r, np.iinfo(np.int64).max)
        np.minimum.at(first_seen, code, order)
        pair_codes = np.flatnonzero(tables.sum(axis=(1, 2)))
        tables, first_seen = tables[pair_codes], first_seen[pair_codes]
    else:
        pair_codes, pair = np.unique(code, return_inverse=True)
        tables = np.bincount(pair * 9 + cell, minlength=9 * pair_codes.size).reshape(-1, 3, 3)
        first_seen = np.full(pair_codes.size, np.iinfo(np.int64).max)
        np.minimum.at(first_seen, pair, order)
    shared = tables.sum(axis=(1, 2))
    out = []
    for p in np.lexsort((first_seen, -shared))[:MAX_RATER_PAIRS].tolist():
        if shared[p] >= MIN_SHARED:
            rater_pair = [int(rater_ids[pair_codes[p] // n_r]), int(rater_ids[pair_codes[p] % n_r])]
            out.append(
                {
                    "raters": rater_pair,
                    "shared": int(shared[p]),
                    "kappa": stats.cohens_kappa_table(tables[p].astype(float)).value,
                }
            )
    return out


def _pair_instances(rank: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of every two votes on one item, votes sorted by item, and
    a key that orders them as a loop over items, then i, then j would (i, then j)."""
    starts = np.flatnonzero(np.r_[True, rank[1:] != rank[:-1]])
    sizes = np.diff(np.r_[starts, rank.size])
    firsts, seconds = [], []
    for m in np.flatnonzero(np.bincount(sizes))[::-1].tolist():
        if m < 2:
            break
        i, j = np.triu_indices(m, 1)
        s = starts[sizes == m][:, None]
        firsts.append((s + i).ravel())
        seconds.append((s + j).ravel())
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    x, y = (firsts[0], seconds[0]) if len(firsts) == 1 else (np.concatenate(firsts), np.concatenate(seconds))
    return x, y, x * int(sizes.max()) + (y - x)
