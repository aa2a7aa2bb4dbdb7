"""A judge's position, length and self-preference beside the humans' on the same prompts (pure).

Each is a share per group from ``stats.group_shares`` (prompt-clustered intervals, and the
difference judge - humans): position = decided votes for the response shown first (left);
length = decided votes, between responses of different lengths, for the longer one;
self-preference = win rate (ties half) of the systems the researcher names as the judge's own
model family, on comparisons of one of them with another system.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from comparisons.stats.group_shares import group_shares
from results.table import VoteTable


def bias_report(
    votes: VoteTable,
    judge: np.ndarray,
    human: np.ndarray,
    family: tuple[str, ...],
    n_resamples: int,
    level: float,
    seed: int,
) -> dict[str, Any]:
    """``judge`` / ``human``: masks of the judge group's votes and the humans'; ``family``: system
    names of the judge's model family (self-preference is None without it, or when no
    comparison sets one of them against another system)."""
    either = judge | human
    decided = either & (votes.winner != 0)

    def shares(mask: np.ndarray, score: np.ndarray) -> dict[str, Any]:
        return group_shares(votes.prompt[mask], judge[mask], score[mask], n_resamples, level, seed).as_dict()

    chose_left = (votes.winner == votes.left).astype(float)
    longer = np.where(votes.left_length > votes.right_length, votes.left, votes.right)
    unequal = decided & (votes.left_length != votes.right_length)
    report = {
        "groups": ["judge", "humans"],
        "position": {"share": "decided votes for the response shown first", **shares(decided, chose_left)},
        "length": {
            "share": "decided votes for the longer response",
            **shares(unequal, (votes.winner == longer).astype(float)),
        },
        "self_preference": None,
    }
    ids = [i for i, name in votes.systems.items() if name in set(family)]
    if ids:
        in_left, in_right = np.isin(votes.left, ids), np.isin(votes.right, ids)
        mixed = either & (in_left ^ in_right)
        own = np.where(in_left, votes.left, votes.right)
        score = np.where(votes.winner == own, 1.0, np.where(votes.winner == 0, 0.5, 0.0))
        if mixed.any():
            report["self_preference"] = {
                "family": sorted(family),
                "share": "win rate (ties half) of the family's systems",
                **shares(mixed, score),
            }
    return report
