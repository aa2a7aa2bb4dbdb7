"""Outcomes for the demo's simulated votes, by exact quota (pure: numpy and comparisons.stats).

The demo must show LIMA's published shares to the percent (Zhou et al. 2023, Figure 1 for the
crowd, Figure 2 for GPT-4 as annotator), so outcomes are not drawn one by one: a pool holds
exactly the quota of wins, ties and losses (largest remainders, checked to round to the
published percent) and is dealt to comparisons. Raters then disagree by swapping outcomes
between votes of different comparisons, which keeps every count, until the tie-discounted
agreement (LIMA, Section 4.1) falls to the target (the paper's crowd-crowd 82%)."""

from __future__ import annotations

import numpy as np

from comparisons.stats.group_agreement import tie_discounted_accuracy_counts

WIN, TIE, LOSS = 2, 1, 0  # the columns of a (loss, tie, win) count table


def quota(total: int, shares: tuple[int, int, int], exact: bool = True) -> tuple[int, int, int]:
    """(wins, ties, losses) summing to `total` in proportion to `shares` (win, tie, loss) by
    largest remainders; shares that sum to 100 are percentages, checked to round exactly
    (unless not `exact`: a small study cannot show every percent)."""
    raw = [total * s / sum(shares) for s in shares]
    counts = [int(r) for r in raw]
    for i in sorted(range(3), key=lambda i: raw[i] - counts[i], reverse=True)[: total - sum(counts)]:
        counts[i] += 1
    got = tuple(round(100 * c / total) for c in counts) if total else shares
    if exact and sum(shares) == 100 and got != tuple(shares):
        raise ValueError(f"{total} votes cannot show {shares} to the percent (got {got})")
    return counts[0], counts[1], counts[2]


def _codes(counts: tuple[int, int, int]) -> np.ndarray:
    return np.repeat(np.array([WIN, TIE, LOSS]), counts)


def _agreement(labels: np.ndarray) -> float:
    """Within-group tie-discounted agreement of an (items x votes) label array."""
    table = np.stack([(labels == c).sum(axis=1) for c in (LOSS, TIE, WIN)], axis=1)
    return float(tie_discounted_accuracy_counts(table).value or 0.0)


def _between(a: np.ndarray, b: np.ndarray) -> float:
    """Tie-discounted agreement between two (items x votes) label arrays."""
    table_a = np.stack([(a == c).sum(axis=1) for c in (LOSS, TIE, WIN)], axis=1)
    table_b = np.stack([(b == c).sum(axis=1) for c in (LOSS, TIE, WIN)], axis=1)
    return float(tie_discounted_accuracy_counts(table_a, table_b).value or 0.0)


def crowd_outcomes(
    items: int, votes: int, shares: tuple[int, int, int], agreement: float, rng: np.random.Generator, exact: bool = True
) -> np.ndarray:
    """An (items x votes) array of outcome codes with exactly `quota(items * votes, shares)`
    and within-item tie-discounted agreement just at or below `agreement`."""
    pool = _codes(quota(items * votes, shares, exact))  # sorted: items start unanimous
    labels = pool.reshape(items, votes)[rng.permutation(items)].copy()
    flat = labels.reshape(-1)
    step = max(1, flat.size // 200)
    while _agreement(labels) > agreement:
        i, j = rng.choice(flat.size, size=(2, step), replace=False)
        flat[i], flat[j] = flat[j], flat[i].copy()
    return labels


def judge_outcomes(
    crowd: np.ndarray, shares: tuple[int, int, int], agreement: float, rng: np.random.Generator, exact: bool = True
) -> np.ndarray:
    """One judge outcome per item with exactly `quota(items, shares)`, agreeing with the
    crowd's votes (tie-discounted) just at or below `agreement` where the quota allows: the
    judge's wins go to the items the crowd liked best, then outcomes swap at random."""
    items = crowd.shape[0]
    score = (crowd == WIN).sum(axis=1) - (crowd == LOSS).sum(axis=1) + rng.random(items) * 0.5
    judge = np.empty(items, dtype=np.int64)
    judge[np.argsort(-score, kind="stable")] = _codes(quota(items, shares, exact))
    for _ in range(items * 4):
        if _between(judge[:, None], crowd) <= agreement:
            break
        i, j = rng.choice(items, size=2, replace=False)
        judge[i], judge[j] = judge[j], judge[i]
    return judge
