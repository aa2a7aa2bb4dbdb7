"""Judges as a measured instrument: their agreement with the humans, in the forms papers print (pure).

Votes of the rater groups in ``Params.headline_excludes`` (the LLM judges) are compared with the
votes of every other group (the humans), on the comparisons both labelled. Labels are read from
the side of the lower system id of each comparison (``agreement.canonical_labels``).

A judge's two orders: its votes on one comparison with the responses in opposite places. A
native judge with order policy ``both`` writes one combined vote (see judges.services), so its
orders are not among the votes; imported judge votes in both orders are two raters of the judge
group, one per order (e.g. ``gpt-4/ab`` and ``gpt-4/ba``). A comparison is "paired" when the
group has exactly one vote in each order on it; its combined verdict is the common label, or a
tie when the orders differ (MT-Bench). Elsewhere the group's votes count as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from comparisons.stats._base import factorize
from comparisons.stats.judge_agreement import group_agreement, order_agreement, order_consistency
from results.agreement import canonical_labels, label_counts, majority_labels
from results.table import VoteTable

NO_CATEGORY = "(none)"


@dataclass(frozen=True)
class JudgeArrays:
    """Per comparison voted on by the judge group or the humans."""

    prompt: np.ndarray
    human: np.ndarray  # (C x 3) counts of human loss / tie / win labels
    judge: np.ndarray  # (C x 3) counts of the judge's labels, paired orders combined
    first: np.ndarray  # judge label with the lower-id system shown first; NaN unless paired
    second: np.ndarray  # judge label with it shown second; NaN unless paired

    def select(self, mask: np.ndarray) -> JudgeArrays:
        return JudgeArrays(self.prompt[mask], self.human[mask], self.judge[mask], self.first[mask], self.second[mask])

    def human_majority(self) -> np.ndarray:
        """The humans' majority label (-1 / 0 / +1, a split is a tie), NaN without human votes."""
        codes = majority_labels(self.human)
        return np.where(codes >= 0, codes - 1.0, np.nan)


def judge_arrays(votes: VoteTable, judge: np.ndarray, human: np.ndarray) -> JudgeArrays:
    """``judge`` and ``human``: masks of the votes of the judge group and of the humans."""
    labels = canonical_labels(votes)
    keep = judge | human
    comps, inv_all = factorize(votes.comparison[keep])
    c = comps.size
    labels, judge, human = labels[keep], judge[keep], human[keep]
    prompt = np.zeros(c, dtype=np.int64)
    prompt[inv_all] = votes.prompt[keep]
    human_counts = label_counts(inv_all[human], labels[human], c)
    low_first = (votes.left <= votes.right)[keep]
    orders = []
    for shown in (low_first, ~low_first):
        m = judge & shown
        n = np.bincount(inv_all[m], minlength=c)
        label = np.full(c, np.nan)
        label[inv_all[m]] = labels[m]
        orders.append((n, label))
    (n1, first), (n2, second) = orders
    paired = (n1 == 1) & (n2 == 1)
    first, second = np.where(paired, first, np.nan), np.where(paired, second, np.nan)
    judge_counts = label_counts(inv_all[judge], labels[judge], c)
    combined = np.where(first == second, first, 0.0)
    onehot = np.zeros((c, 3))
    onehot[np.arange(c), np.nan_to_num(combined).astype(np.int64) + 1] = 1.0
    judge_counts = np.where(paired[:, None], onehot, judge_counts)
    return JudgeArrays(prompt, human_counts, judge_counts, first, second)


def agreement_report(arrays: JudgeArrays, n_resamples: int, level: float, seed: int) -> dict[str, Any]:
    """Every figure for one scope (the study, or one category): ``votes`` over every (human vote,
    judge verdict) pair (MT-Bench with and without ties, LIMA's tie-discounted accuracy, kappa),
    ``orders`` on the paired comparisons with human votes (strict agreement per order and in both
    orders against the humans' majority, Auto-J / PandaLM), ``consistency`` on every paired
    comparison."""
    both = (arrays.human.sum(axis=1) > 0) & (arrays.judge.sum(axis=1) > 0)
    shared = arrays.select(both)
    paired = ~np.isnan(arrays.first)
    report: dict[str, Any] = {
        "comparisons_with_both": int(both.sum()),
        "votes": group_agreement(shared.prompt, shared.human, shared.judge, n_resamples, level, seed).as_dict(),
        "orders": None,
        "consistency": None,
    }
    if paired.any():
        report["consistency"] = order_consistency(
            arrays.prompt[paired], arrays.first[paired], arrays.second[paired], n_resamples, level, seed
        ).as_dict()
        labelled = shared.select(~np.isnan(shared.first))
        if labelled.prompt.size:
            report["orders"] = order_agreement(
                labelled.prompt, labelled.human_majority(), labelled.first, labelled.second, n_resamples, level, seed
            ).as_dict()
    return report


def judge_agreement_section(
    votes: VoteTable,
    judge_groups: tuple[str, ...],
    categories: dict[int, str] | None,
    n_resamples: int,
    level: float,
    seed: int,
) -> list[dict[str, Any]]:
    """One entry per judge group present: its agreement with all other groups pooled, for the
    study and, given ``categories`` (prompt id -> category), per category."""
    names, codes = votes.group_codes()
    judges = [g for g in names if g in judge_groups]
    humans = [g for g in names if g not in judge_groups]
    out = []
    for group in judges:
        judge = codes == names.index(group)
        human = np.isin(codes, [names.index(h) for h in humans])
        arrays = judge_arrays(votes, judge, human)
        entry = {"judge_group": group, "human_groups": humans, **agreement_report(arrays, n_resamples, level, seed)}
        if categories is not None:
            labels = np.array([categories.get(int(p), "") or NO_CATEGORY for p in arrays.prompt.tolist()], dtype=object)
            entry["by_category"] = {
                str(cat): agreement_report(arrays.select(labels == cat), n_resamples, level, seed)
                for cat in sorted(set(labels.tolist()))
            }
        out.append(entry)
    return out
