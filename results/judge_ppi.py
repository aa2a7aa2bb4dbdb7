"""PPI++ intervals for each pair's shares from human votes plus judge votes (pure).

Per prompt: the human votes' (wins, ties, losses) for the pair's first system and the judge
group's. Prompts with both are the labelled ones, prompts with judge votes only the unlabelled
ones (``stats.ppi.ppi_shares``); prompts with human votes only cannot be used (no prediction)
and are counted in ``human_prompts_without_judge``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from comparisons.stats._base import factorize
from comparisons.stats.ppi import SHARES, ppi_shares, prompt_values

MIN_LABELLED = 2


def prompt_counts(prompts: np.ndarray, outcomes: np.ndarray, n: int) -> np.ndarray:
    """(n x 3) counts of wins, ties, losses per prompt index."""
    return np.bincount(prompts * 3 + (1 - outcomes), minlength=3 * n).reshape(-1, 3).astype(float)


def ppi_pair(prompts: np.ndarray, outcomes: np.ndarray, judge: np.ndarray, level: float) -> dict[str, Any] | None:
    """``prompts``, ``outcomes`` (+1 win / 0 tie / -1 loss of the first system) and ``judge``
    (is the vote a judge's) per vote on one pair. None unless there are at least two prompts
    with votes of both kinds."""
    if not judge.any() or judge.all():
        return None
    uniq, inv = factorize(prompts)
    human_counts = prompt_counts(inv[~judge], outcomes[~judge], uniq.size)
    judge_counts = prompt_counts(inv[judge], outcomes[judge], uniq.size)
    has_h, has_j = human_counts.sum(axis=1) > 0, judge_counts.sum(axis=1) > 0
    labelled = has_h & has_j
    if int(labelled.sum()) < MIN_LABELLED:
        return None
    result = ppi_shares(human_counts[labelled], judge_counts[labelled], judge_counts[has_j & ~has_h], level)
    return {**result.as_dict(), "human_prompts_without_judge": int((has_h & ~has_j).sum())}


def pilot_estimates(prompts: np.ndarray, outcomes: np.ndarray, judge: np.ndarray, share: str) -> dict[str, Any] | None:
    """What the budget planner needs from the votes so far on one pair: the sd of the humans'
    per-prompt ``share`` (ddof 1), its correlation with the judge's on the prompts with both, the
    mean human votes per such prompt and judge votes (calls) per judged prompt. None with fewer
    than three prompts with both kinds of votes, or when either side's values do not vary."""
    uniq, inv = factorize(prompts)
    human_counts = prompt_counts(inv[~judge], outcomes[~judge], uniq.size)
    judge_counts = prompt_counts(inv[judge], outcomes[judge], uniq.size)
    has_h, has_j = human_counts.sum(axis=1) > 0, judge_counts.sum(axis=1) > 0
    both = has_h & has_j
    if int(both.sum()) < 3:
        return None
    y, f = (prompt_values(c[both], SHARES[share]) for c in (human_counts, judge_counts))
    if np.std(y) == 0 or np.std(f) == 0:
        return None
    return {
        "sigma": float(np.std(y, ddof=1)),
        "rho": float(np.corrcoef(y, f)[0, 1]),
        "prompts_with_both": int(both.sum()),
        "human_votes_per_prompt": float(human_counts[both].sum() / both.sum()),
        "judge_calls_per_prompt": float(judge_counts[has_j].sum() / has_j.sum()),
    }
