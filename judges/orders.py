"""A native judge's two orders, read from its answered calls (its vote combines them): position
consistency, and strict agreement per order and in both orders against the humans' majority
(stats.judge_agreement, prompt-clustered intervals). For imported judges the same figures are in
the results' ``judges`` section."""

from __future__ import annotations

from typing import Any

import numpy as np

from comparisons.stats._base import factorize
from comparisons.stats.judge_agreement import order_agreement, order_consistency
from judges.models import Judge, JudgeCall
from raters.models import Rater
from results.agreement import canonical_labels, label_counts, majority_labels
from results.selectors import vote_table

N_RESAMPLES = 2000


def order_labels(judge: Judge) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(comparison ids, prompt ids, first, second) of the comparisons with both orders answered:
    labels -1 / 0 / +1 from the lower-id system's side, ``first`` from the order that showed it
    first (A)."""
    rows = JudgeCall.objects.filter(judge=judge, state=JudgeCall.State.DONE).values_list(
        "comparison_id",
        "comparison__prompt_id",
        "order",
        "verdict",
        "comparison__left_response__system_id",
        "comparison__right_response__system_id",
    )
    seen: dict[int, dict[str, Any]] = {}
    for comparison, prompt, order, verdict, left, right in rows.iterator():
        a, b = (left, right) if order == JudgeCall.Order.AB else (right, left)
        winner = {"A": a, "B": b}.get(verdict)
        low = min(left, right)
        label = 0.0 if winner is None else 1.0 if winner == low else -1.0
        entry = seen.setdefault(comparison, {"prompt": prompt})
        entry["first" if a == low else "second"] = label
    both = [(c, e["prompt"], e["first"], e["second"]) for c, e in seen.items() if "first" in e and "second" in e]
    if not both:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty
    c, p, f, s = (np.asarray(x) for x in zip(*both, strict=True))
    return c.astype(np.int64), p.astype(np.int64), f.astype(float), s.astype(float)


def judge_orders(judge: Judge) -> dict[str, Any]:
    """Consistency on every comparison with both orders; against the humans (every rater group but
    ``judge``: their majority label per comparison, a split is a tie) on the ones they voted on."""
    comparisons, prompts, first, second = order_labels(judge)
    seed = judge.study.seed
    report: dict[str, Any] = {
        "comparisons_with_both_orders": int(comparisons.size),
        "consistency": order_consistency(prompts, first, second, N_RESAMPLES, 0.95, seed).as_dict(),
        "against_humans": None,
    }
    votes, _raters = vote_table(judge.study)
    human = votes.group.astype(str) != Rater.JUDGE_GROUP if len(votes) else np.zeros(0, dtype=bool)
    if human.any() and comparisons.size:
        ids, inv = factorize(votes.comparison[human])
        majority = majority_labels(label_counts(inv, canonical_labels(votes)[human], ids.size)) - 1.0
        where = np.searchsorted(ids, comparisons)
        found = (where < ids.size) & (ids[np.minimum(where, ids.size - 1)] == comparisons)
        reference = np.where(found, majority[np.minimum(where, ids.size - 1)], np.nan)
        report["against_humans"] = order_agreement(prompts, reference, first, second, N_RESAMPLES, 0.95, seed).as_dict()
    return report
