"""A pair's four outcomes when raters may answer "both are bad": win / tie / both-bad / loss.

"Both are bad" is kept apart from a tie here and in the exports; every statistic of three
outcomes (the pair's `counts`, intervals, tests, plan, stopping, ranking, agreement, bias)
counts it as a tie, and `folded_into_tie` says so in the results JSON (docs/statistics.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from comparisons import stats

OUTCOMES = ("win", "tie", "both_bad", "loss")
FOLDED = (
    "both-bad votes count as ties in counts, intervals, tests, plan, stopping, ranking, agreement and bias "
    "(statistics of three outcomes); only `outcomes` keeps them apart"
)


def four_outcomes(
    prompt_ids: np.ndarray,
    vote_outcomes: np.ndarray,
    both_bad: np.ndarray,
    level: float,
    n_resamples: int,
    seed: int,
    resample: bool = True,
) -> dict[str, Any]:
    """Per vote (whatever the pair's unit): counts and shares of win / tie / both-bad / loss
    (shares of all the pair's votes; they add up to 1), and when at least one vote said both
    are bad, each share's interval from the prompt-clustered bootstrap of
    ``stats.grade_shares`` (the four outcomes as four "grades"); null otherwise (then the
    shares are the three-outcome shares of `counts` with both-bad at 0). Without ``resample`` the
    intervals are left null for the caller (results.compute takes them from earlier results)."""
    bad = np.asarray(both_bad, dtype=bool)
    codes = np.where(vote_outcomes == 1, 0, np.where(vote_outcomes == -1, 3, np.where(bad, 2, 1)))
    counts = np.bincount(codes, minlength=4) if codes.size else np.zeros(4, dtype=np.int64)
    n = int(counts.sum())
    wins, ties, bad_votes, losses = (int(c) for c in counts)
    out: dict[str, Any] = {
        "n": n,
        "unit": "vote",
        "wins": wins,
        "ties": ties,
        "both_bad": bad_votes,
        "losses": losses,
        "folded_into_tie": FOLDED,
    }
    for name, count in zip(OUTCOMES, counts.tolist(), strict=True):
        out[f"{name}_share"] = count / n if n else None
    out["intervals"] = None
    if counts[2] and resample:
        (result,) = stats.grade_shares(
            prompt_ids, np.zeros(n, dtype=np.int64), codes, 4, level=level, n_resamples=n_resamples, seed=seed
        )
        out["intervals"] = {
            f"{name}_share": interval.as_dict() for name, interval in zip(OUTCOMES, result.shares, strict=True)
        }
    return out
