"""Reads that feed the results: a study's counted votes as a VoteTable.

"Counted" is raters.selectors.votes_that_count (one definition for results, coverage and the
dashboard), narrowed by the researcher's filters; simulated votes (the demo's) count only
while the study has no real vote of their kind: from a real person's vote on, the simulated
people's votes are left out (the headline is never mixed), and likewise for judges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, QuerySet

from comparisons.models import Study
from raters.models import Rater, Vote
from raters.selectors import votes_that_count

if TYPE_CHECKING:
    from results.table import VoteTable


@dataclass(frozen=True)
class VoteFilter:
    """Which votes count: raters.selectors.votes_that_count (never gold votes, never excluded
    raters' votes unless `include_excluded`), minus `exclude_raters` (external ids), only
    `rater_group` if set."""

    exclude_raters: tuple[str, ...] = field(default=())
    rater_group: str | None = None
    include_excluded: bool = False


def _filtered(study: Study, filters: VoteFilter) -> QuerySet[Vote]:
    qs = votes_that_count(include_excluded=filters.include_excluded).filter(comparison__study=study)
    if filters.exclude_raters:
        qs = qs.exclude(rater__external_id__in=filters.exclude_raters)
    if filters.rater_group:
        qs = qs.filter(rater__group=filters.rater_group)
    return qs


def _simulated_left_out(qs: QuerySet[Vote]) -> Q | None:
    """Which simulated votes to leave out: the people's once a real person's vote counts, the
    judges' once a real judge's does (so the headline, people only, is never mixed)."""
    judges = Q(rater__group=Rater.JUDGE_GROUP)
    real = qs.filter(simulated=False)
    parts = [
        Q(simulated=True) & ~judges if real.exclude(judges).exists() else None,
        Q(simulated=True) & judges if real.filter(judges).exists() else None,
    ]
    found = [p for p in parts if p is not None]
    return None if not found else found[0] if len(found) == 1 else found[0] | found[1]


def counted_votes(study: Study, filters: VoteFilter = VoteFilter()) -> QuerySet[Vote]:
    """The votes the results count: simulated ones only while no real vote of their kind
    (person or judge) counts."""
    qs = _filtered(study, filters)
    left_out = _simulated_left_out(qs)
    return qs if left_out is None else qs.exclude(left_out)


def simulated_counts(study: Study, filters: VoteFilter = VoteFilter()) -> tuple[int, int]:
    """(simulated votes counted in the results, simulated votes left out because real votes
    of their kind exist)."""
    qs = _filtered(study, filters)
    left_out = _simulated_left_out(qs)
    total = qs.filter(simulated=True).count()
    dropped = 0 if left_out is None else qs.filter(left_out).count()
    return total - dropped, dropped


def votes_version(study: Study, filters: VoteFilter = VoteFilter()) -> tuple[int, str]:
    """(number of counted votes, a version string that changes whenever votes or
    exclusions change) — cheap enough for every results request."""
    agg = counted_votes(study, filters).aggregate(n=Count("id"), last=Max("id"))
    all_votes = Vote.objects.filter(comparison__study=study).aggregate(n=Count("id"))["n"]
    excluded = Rater.objects.filter(study=study, excluded=True).count()
    return agg["n"], f"{agg['n']}:{agg['last'] or 0}:{all_votes}:{excluded}"


def vote_table(study: Study, filters: VoteFilter = VoteFilter()) -> tuple[VoteTable, dict[int, str]]:
    """The counted votes as arrays, in the order they arrived (vote ids), and rater ids to external ids."""
    both_bad = Q(choice=Vote.Choice.BOTH_BAD)
    rows = list(
        counted_votes(study, filters)
        .order_by("id")
        .annotate(both_bad=ExpressionWrapper(both_bad, output_field=BooleanField()))
        .values_list(
            "comparison_id",
            "comparison__prompt_id",
            "rater_id",
            "rater__group",
            "shown_left__system_id",
            "shown_right__system_id",
            "winner_id",
            "shown_left__length",
            "shown_right__length",
            "both_bad",
        )
    )
    systems = dict(study.systems.values_list("id", "name"))
    raters = dict(counted_votes(study, filters).values_list("rater_id", "rater__external_id").distinct())
    # numpy loads with the first computation, not when the URLs are imported (no cycle is dodged)
    from results.table import VoteTable

    return VoteTable.from_rows(rows, systems), raters
