"""Counting pairwise outcomes for one pair of systems.

Outcomes are coded from the focal (first) system's side: +1 it wins, 0 tie, -1 it loses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._base import AsDict, as_outcomes


@dataclass(frozen=True)
class OutcomeCounts(AsDict):
    """Wins/ties/losses of the focal system and their shares.

    Shares are None when there are no votes (``n == 0``): a share of nothing is undefined,
    and None (not NaN) keeps ``as_dict()`` valid JSON.
    """

    n: int
    wins: int
    ties: int
    losses: int
    win_share: float | None
    tie_share: float | None
    loss_share: float | None
    win_or_tie_share: float | None
    win_rate: float | None  # (wins + ties / 2) / n, a proportion in [0, 1]


@dataclass(frozen=True)
class AlpacaWinRate(AsDict):
    """AlpacaEval's leaderboard numbers, in percent, one verdict per prompt."""

    win_rate: float | None
    standard_error: float | None
    n_wins: int
    n_wins_base: int
    n_draws: int
    n_total: int
    method: str = "alpaca_eval"


def counts_from_totals(wins: int, ties: int, losses: int) -> OutcomeCounts:
    """Shares from totals: win share = W/n, tie share = T/n, loss share = L/n,
    win-or-tie share = (W + T)/n (LIMA's headline, Zhou et al. 2023, Fig. 1), and
    win rate with ties as half = (W + T/2)/n. All shares are None when n = 0.
    """
    wins, ties, losses = int(wins), int(ties), int(losses)
    if min(wins, ties, losses) < 0:
        raise ValueError("counts must be non-negative")
    n = wins + ties + losses
    if n == 0:
        return OutcomeCounts(0, 0, 0, 0, None, None, None, None, None)
    return OutcomeCounts(
        n=n,
        wins=wins,
        ties=ties,
        losses=losses,
        win_share=wins / n,
        tie_share=ties / n,
        loss_share=losses / n,
        win_or_tie_share=(wins + ties) / n,
        win_rate=(wins + 0.5 * ties) / n,
    )


def count_outcomes(outcomes: np.ndarray | list[int]) -> OutcomeCounts:
    """Count +1/0/-1 outcomes of the focal system; see ``counts_from_totals`` for shares."""
    arr = as_outcomes(outcomes)
    return counts_from_totals(
        int(np.count_nonzero(arr == 1)),
        int(np.count_nonzero(arr == 0)),
        int(np.count_nonzero(arr == -1)),
    )


def outcome_scores(outcomes: np.ndarray | list[int]) -> np.ndarray:
    """Per-vote score x = (outcome + 1)/2: 1 win, 0.5 tie, 0 loss."""
    return (as_outcomes(outcomes) + 1) / 2.0


def alpaca_win_rate(outcomes: np.ndarray | list[int]) -> AlpacaWinRate:
    """Win rate and standard error exactly as AlpacaEval computes them.

    With x = 1 win, 0.5 draw, 0 loss (one verdict per prompt):
    ``win_rate = 100 * mean(x)``, ``standard_error = 100 * sd(x, ddof=1) / sqrt(n)``;
    ``n_wins = #(x > 0.5)``, ``n_wins_base = #(x < 0.5)``, ``n_draws = #(x == 0.5)``.
    Source: alpaca_eval ``metrics.pairwise_to_winrate`` and the AlpacaEval leaderboard CSV.
    With n = 0 both numbers are None; with n = 1 the standard error is None (ddof = 1).
    """
    x = outcome_scores(outcomes)
    n = int(x.size)
    win_rate = 100.0 * float(np.mean(x)) if n else None
    standard_error = 100.0 * float(np.std(x, ddof=1)) / math.sqrt(n) if n >= 2 else None
    return AlpacaWinRate(
        win_rate=win_rate,
        standard_error=standard_error,
        n_wins=int(np.count_nonzero(x > 0.5)),
        n_wins_base=int(np.count_nonzero(x < 0.5)),
        n_draws=int(np.count_nonzero(x == 0.5)),
        n_total=n,
    )
