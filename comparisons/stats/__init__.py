"""Statistics for pairwise-preference studies (pure numpy/scipy; no Django).

Outcomes are coded from the focal system's side: +1 win, 0 tie, -1 loss. Every result is a
frozen dataclass with ``as_dict()`` returning JSON-ready builtins. See docs/statistics.md.
"""

from __future__ import annotations

from .aggregate import aggregate_votes
from .agreement import (
    bootstrap_agreement,
    category_table,
    cohens_kappa,
    cohens_kappa_table,
    fleiss_kappa,
    krippendorff_alpha,
    krippendorff_alpha_counts,
    tie_discounted_accuracy,
)
from .agreement_counts import bootstrap_krippendorff_counts, bootstrap_krippendorff_levels
from .bias import length_bias, position_bias
from .bootstrap import clustered_bootstrap, clustered_bootstraps, per_prompt_counts
from .counts import alpaca_win_rate, count_outcomes, counts_from_totals, outcome_scores
from .intervals import Interval, goodman_intervals, share_intervals, wilson_interval
from .planning import plan_votes, votes_needed
from .ranking import (
    bradley_terry,
    davidson,
    pair_matrices,
    ranks_from_intervals,
    win_probability,
    win_share_matrix,
)
from .ranking_bootstrap import bootstrap_bradley_terry
from .ranking_mle import bradley_terry_mle, mle_exists
from .ranking_robust import drop_k_adjacent, simultaneous_rank_intervals
from .sequential import SequentialIntervals, sequential_intervals, small_sample_interval
from .significance import format_p, holm, prompt_wilcoxon, sign_test, sign_test_outcomes, verdict
from .stopping import StoppingError, StoppingRules, parse_stopping, votes_to_settle

__all__ = [
    "SequentialIntervals",
    "StoppingError",
    "StoppingRules",
    "bradley_terry_mle",
    "drop_k_adjacent",
    "mle_exists",
    "parse_stopping",
    "sequential_intervals",
    "simultaneous_rank_intervals",
    "small_sample_interval",
    "votes_to_settle",
    "Interval",
    "aggregate_votes",
    "alpaca_win_rate",
    "bootstrap_agreement",
    "bootstrap_bradley_terry",
    "bootstrap_krippendorff_counts",
    "bootstrap_krippendorff_levels",
    "bradley_terry",
    "category_table",
    "clustered_bootstrap",
    "clustered_bootstraps",
    "cohens_kappa",
    "cohens_kappa_table",
    "count_outcomes",
    "counts_from_totals",
    "davidson",
    "fleiss_kappa",
    "format_p",
    "goodman_intervals",
    "holm",
    "krippendorff_alpha",
    "krippendorff_alpha_counts",
    "length_bias",
    "outcome_scores",
    "pair_matrices",
    "per_prompt_counts",
    "plan_votes",
    "position_bias",
    "prompt_wilcoxon",
    "ranks_from_intervals",
    "share_intervals",
    "sign_test",
    "sign_test_outcomes",
    "tie_discounted_accuracy",
    "verdict",
    "votes_needed",
    "wilson_interval",
    "win_probability",
    "win_share_matrix",
]
