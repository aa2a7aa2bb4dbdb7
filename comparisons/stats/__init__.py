"""Statistics for pairwise-preference studies and absolute ratings (pure numpy/scipy; no Django).

Outcomes are coded from the focal system's side: +1 win, 0 tie, -1 loss. Absolute ratings
(grades on an ordered scale, 0 = the lowest) are in ``grades``, ``grade_tests`` and
``grade_agreement`` (the API is listed in ``grades``' docstring). Every result is a
frozen dataclass with ``as_dict()`` returning JSON-ready builtins. See docs/statistics.md.

The names below are loaded on first use (PEP 562 ``__getattr__``): importing one submodule,
or this package for later use, does not import scipy, so a Django process that only imports
the URLs starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "aggregate_votes": "aggregate",
    "bootstrap_agreement": "agreement",
    "category_table": "agreement",
    "cohens_kappa": "agreement",
    "cohens_kappa_table": "agreement",
    "fleiss_kappa": "agreement",
    "krippendorff_alpha": "agreement",
    "krippendorff_alpha_counts": "agreement",
    "tie_discounted_accuracy": "agreement",
    "bootstrap_krippendorff_counts": "agreement_counts",
    "bootstrap_krippendorff_levels": "agreement_counts",
    "GradeVotePlan": "grades",
    "SystemGrades": "grades",
    "grade_shares": "grades",
    "grade_votes_needed": "grades",
    "krippendorff_alpha_grades": "grade_agreement",
    "rater_pair_kappas": "grade_agreement",
    "rater_severity": "grade_agreement",
    "weighted_kappa": "grade_agreement",
    "GradePairTest": "grade_tests",
    "paired_grade_test": "grade_tests",
    "paired_grade_tests": "grade_tests",
    "length_bias": "bias",
    "position_bias": "bias",
    "clustered_bootstrap": "bootstrap",
    "clustered_bootstraps": "bootstrap",
    "per_prompt_counts": "bootstrap",
    "alpaca_win_rate": "counts",
    "count_outcomes": "counts",
    "counts_from_totals": "counts",
    "outcome_scores": "counts",
    "Interval": "intervals",
    "goodman_intervals": "intervals",
    "share_intervals": "intervals",
    "wilson_interval": "intervals",
    "plan_votes": "planning",
    "votes_needed": "planning",
    "bradley_terry": "ranking",
    "davidson": "ranking",
    "pair_matrices": "ranking",
    "ranks_from_intervals": "ranking",
    "win_probability": "ranking",
    "win_share_matrix": "ranking",
    "bootstrap_bradley_terry": "ranking_bootstrap",
    "format_p": "significance",
    "holm": "significance",
    "prompt_wilcoxon": "significance",
    "sign_test": "significance",
    "sign_test_outcomes": "significance",
    "verdict": "significance",
    "bradley_terry_mle": "ranking_mle",
    "mle_exists": "ranking_mle",
    "drop_k_adjacent": "ranking_robust",
    "simultaneous_rank_intervals": "ranking_robust",
    "SequentialIntervals": "sequential",
    "sequential_intervals": "sequential",
    "small_sample_interval": "sequential",
    "StoppingError": "stopping",
    "StoppingRules": "stopping",
    "parse_stopping": "stopping",
    "votes_to_settle": "stopping",
}

if TYPE_CHECKING:
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
    from .grade_agreement import krippendorff_alpha_grades, rater_pair_kappas, rater_severity, weighted_kappa
    from .grade_tests import GradePairTest, paired_grade_test, paired_grade_tests
    from .grades import GradeVotePlan, SystemGrades, grade_shares, grade_votes_needed
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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "GradePairTest",
    "GradeVotePlan",
    "SystemGrades",
    "grade_shares",
    "grade_votes_needed",
    "krippendorff_alpha_grades",
    "paired_grade_test",
    "paired_grade_tests",
    "rater_pair_kappas",
    "rater_severity",
    "weighted_kappa",
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
