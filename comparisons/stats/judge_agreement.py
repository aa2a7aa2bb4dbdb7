"""Agreement between two rater groups, and between a judge's two orders, as the papers report it.

Labels are -1 (loss), 0 (tie), +1 (win) from one fixed system's side, NaN where missing. Every
figure comes with a prompt-clustered percentile bootstrap interval (``contingency``); the
formulas and their sources are in ``table_metrics``. Two shapes of data:

- ``order_agreement``: one reference label per item (e.g. the humans' majority) against a
  judge's verdict in each order (the order that shows the row system first, and the swapped
  one): strict agreement per order and in both orders (Auto-J, PandaLM), position consistency
  and its direction (MT-Bench Table 2), and agreement with and without ties, tie-discounted
  accuracy and Cohen's kappa of the judge's combined verdict (inconsistent orders = tie).
- ``group_agreement``: every vote of group A against every vote of group B on the same item
  (MT-Bench's human-judge agreement: "the probability of two random judges of the two types
  agreeing on a random question", Zheng et al. 2023, §4.2; LIMA's tie-discounted accuracy
  between annotator groups, Zhou et al. 2023, §4.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from . import table_metrics as tm
from ._base import AsDict
from .contingency import TableStatistic, clustered_table_intervals, cross_tables, label_codes, prompt_tables
from .intervals import Interval

_PAIR_METRICS = {
    "agreement_with_ties": tm.agreement_with_ties,
    "agreement_without_ties": tm.agreement_without_ties,
    "tie_discounted_accuracy": tm.tie_discounted_accuracy,
    "cohens_kappa": tm.kappa,
    "weighted_kappa_linear": tm.linear_kappa,
}


def _of_combined(statistic: TableStatistic) -> TableStatistic:
    """``statistic`` of the (reference x combined verdict) tables of (reference x first x second) tables."""
    return lambda t: statistic(tm.combined(t))


@dataclass(frozen=True)
class GroupAgreement(AsDict):
    """Agreement over every (A vote, B vote) pair on a shared item."""

    n_pairs: int
    n_items: int
    n_prompts: int
    agreement_with_ties: Interval
    agreement_without_ties: Interval
    tie_discounted_accuracy: Interval
    cohens_kappa: Interval
    weighted_kappa_linear: Interval  # loss < tie < win as ordered grades


@dataclass(frozen=True)
class OrderAgreement(AsDict):
    """A judge's two orders against a reference label per item (and against each other)."""

    n_items: int
    n_prompts: int
    strict_first_order: Interval
    strict_second_order: Interval
    strict_both_orders: Interval
    consistency: Interval
    biased_toward_first: Interval
    biased_toward_second: Interval
    agreement_with_ties: Interval
    agreement_without_ties: Interval
    tie_discounted_accuracy: Interval
    cohens_kappa: Interval
    weighted_kappa_linear: Interval


@dataclass(frozen=True)
class OrderConsistency(AsDict):
    """A judge's two orders against each other (no reference needed)."""

    n_items: int
    n_prompts: int
    consistency: Interval
    biased_toward_first: Interval
    biased_toward_second: Interval


def group_agreement(
    prompts: ArrayLike,
    a_counts: ArrayLike,
    b_counts: ArrayLike,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> GroupAgreement:
    """Agreement between groups A and B from (items x 3) counts of loss / tie / win votes per
    item and each item's prompt. The (A label x B label) table of an item is the outer product
    of its counts (every cross pair once); tables are summed per prompt, and every figure is a
    ratio (or kappa) of the summed table with a prompt-clustered bootstrap interval."""
    _ids, tables = cross_tables(prompts, np.asarray(a_counts), np.asarray(b_counts))
    a, b = np.asarray(a_counts, dtype=float), np.asarray(b_counts, dtype=float)
    shared = (a.sum(axis=1) > 0) & (b.sum(axis=1) > 0)
    used = tables.sum(axis=(1, 2)) > 0
    intervals = clustered_table_intervals(
        tables[used], _PAIR_METRICS, "agreement over vote pairs", n_resamples, level, seed
    )
    return GroupAgreement(int(tables.sum()), int(shared.sum()), int(used.sum()), **intervals)


def order_agreement(
    prompts: ArrayLike,
    reference: ArrayLike,
    first: ArrayLike,
    second: ArrayLike,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> OrderAgreement:
    """Per item: the reference label, the judge's label with the row system shown first
    (``first``) and shown second (``second``); items missing any of the three are left out.
    Strict agreement per order is the exact three-way match of that order with the reference;
    "both orders" needs both to match (Auto-J; PandaLM's accuracy is the per-order figure).
    Consistency and its direction compare the two orders. The remaining figures compare the
    reference with the judge's combined verdict (the common label, a tie when the orders differ:
    MT-Bench §3.4)."""
    codes = [label_codes(x) for x in (reference, first, second)]
    _ids, t3 = prompt_tables(prompts, *codes)
    stats = {
        "strict_first_order": lambda t: tm.agreement_with_ties(tm.first_order(t)),
        "strict_second_order": lambda t: tm.agreement_with_ties(tm.second_order(t)),
        "strict_both_orders": tm.strict_both_orders,
        "consistency": lambda t: tm.consistency(tm.orders_table(t)),
        "biased_toward_first": lambda t: tm.biased_toward_first(tm.orders_table(t)),
        "biased_toward_second": lambda t: tm.biased_toward_second(tm.orders_table(t)),
        **{name: _of_combined(f) for name, f in _PAIR_METRICS.items()},
    }
    intervals = clustered_table_intervals(t3, stats, "agreement with a judge's two orders", n_resamples, level, seed)
    return OrderAgreement(int(t3.sum()), int(t3.shape[0]), **intervals)


def order_consistency(
    prompts: ArrayLike,
    first: ArrayLike,
    second: ArrayLike,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> OrderConsistency:
    """Consistency of a judge's two orders, and how often it picked the first (or second)
    shown response in both, on the items with both verdicts (Zheng et al. 2023, Table 2)."""
    _ids, t = prompt_tables(prompts, label_codes(first), label_codes(second))
    stats = {
        "consistency": tm.consistency,
        "biased_toward_first": tm.biased_toward_first,
        "biased_toward_second": tm.biased_toward_second,
    }
    intervals = clustered_table_intervals(t, stats, "position consistency", n_resamples, level, seed)
    return OrderConsistency(int(t.sum()), int(t.shape[0]), **intervals)
