"""One share for two rater groups on the same prompts (a judge's bias beside the humans').

Position preference (share of decided votes for the response shown first), length preference
(share for the longer response) and self-preference (win rate of the judge's own model family)
are each a share per group. Comparing a judge with humans is fair only on the same prompts, so
both shares are taken over the prompts where both groups voted, and the interval of each share
and of their difference comes from one prompt-clustered bootstrap (``contingency``): a resample
draws prompts, and both groups' votes on a drawn prompt come along, so the difference's interval
accounts for their correlation. Position bias of judges: Zheng et al. (2023), "Judging
LLM-as-a-judge", §3.3; length (verbosity) bias: ibid. and Dubois et al. (2024), length-controlled
AlpacaEval; self-enhancement bias: Zheng et al. (2023), §3.3; Panickssery et al. (2024).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._base import AsDict, factorize
from .contingency import clustered_table_intervals
from .intervals import Interval


@dataclass(frozen=True)
class GroupShares(AsDict):
    n_prompts: int  # prompts with votes of both groups
    votes_a: int
    votes_b: int
    share_a: Interval
    share_b: Interval
    difference: Interval  # a - b


def _share(a: int) -> Callable[[np.ndarray], np.ndarray]:
    def stat(t: np.ndarray) -> np.ndarray:
        score, total = t[:, a, 0], t[:, a, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, score / np.where(total > 0, total, 1.0), np.nan)

    return stat


def group_shares(
    prompts: ArrayLike,
    in_a: ArrayLike,
    score: ArrayLike,
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int | None = 0,
) -> GroupShares:
    """Per vote: its prompt, whether it is group A's (else group B's) and its score in [0, 1]
    (1 chose the response in question, 0 the other, 0.5 a tie where ties count half). Each share
    is sum(score) / votes over the prompts where both groups voted (a ratio estimator, as the
    clustered bootstrap of the headline shares); the difference is share A - share B."""
    ids, a, s = np.asarray(prompts), np.asarray(in_a, dtype=bool), np.asarray(score, dtype=float)
    if not (ids.shape == a.shape == s.shape) or ids.ndim != 1:
        raise ValueError("prompts, in_a and score must be one-dimensional and of the same length")
    if ((s < 0) | (s > 1)).any():
        raise ValueError("scores must lie in [0, 1]")
    uniq, inv = factorize(ids)
    cell = (inv * 2 + (~a).astype(np.int64)) * 2  # prompt, group (A, B), (score, votes)
    flat = np.bincount(cell, weights=s, minlength=uniq.size * 4) + np.bincount(cell + 1, minlength=uniq.size * 4)
    tables = flat.reshape(uniq.size, 2, 2)
    both = (tables[:, 0, 1] > 0) & (tables[:, 1, 1] > 0)
    tables = tables[both]
    share_a, share_b = _share(0), _share(1)
    stats = {"share_a": share_a, "share_b": share_b, "difference": lambda t: share_a(t) - share_b(t)}
    intervals = clustered_table_intervals(
        tables, stats, "shares of two groups on shared prompts", n_resamples, level, seed
    )
    return GroupShares(int(both.sum()), int(tables[:, 0, 1].sum()), int(tables[:, 1, 1].sum()), **intervals)
