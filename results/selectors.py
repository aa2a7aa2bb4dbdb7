"""Reads that feed the results: a study's counted votes as a VoteTable.

"Counted" is raters.selectors.votes_that_count (one definition for results, coverage and the
dashboard), narrowed by the researcher's filters."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, QuerySet

from comparisons.models import Study
from raters.models import Rater, Vote
from raters.selectors import votes_that_count
from results.table import VoteTable


@dataclass(frozen=True)
class VoteFilter:
    """Which votes count: raters.selectors.votes_that_count (never gold votes, never excluded
    raters' votes unless `include_excluded`), minus `exclude_raters` (external ids), only
    `rater_group` if set."""

    exclude_raters: tuple[str, ...] = field(default=())
    rater_group: str | None = None
    include_excluded: bool = False


def counted_votes(study: Study, filters: VoteFilter = VoteFilter()) -> QuerySet[Vote]:
    qs = votes_that_count(include_excluded=filters.include_excluded).filter(comparison__study=study)
    if filters.exclude_raters:
        qs = qs.exclude(rater__external_id__in=filters.exclude_raters)
    if filters.rater_group:
        qs = qs.filter(rater__group=filters.rater_group)
    return qs


def votes_version(study: Study, filters: VoteFilter = VoteFilter()) -> tuple[int, str]:
    """(number of counted votes, a version string that changes whenever votes or
    exclusions change) — cheap enough for every results request."""
    agg = counted_votes(study, filters).aggregate(n=Count("id"), last=Max("id"))
    all_votes = Vote.objects.filter(comparison__study=study).aggregate(n=Count("id"))["n"]
    excluded = Rater.objects.filter(study=study, excluded=True).count()
    return agg["n"], f"{agg['n']}:{agg['last'] or 0}:{all_votes}:{excluded}"


def vote_table(study: Study, filters: VoteFilter = VoteFilter()) -> tuple[VoteTable, dict[int, str]]:
    """The counted votes as arrays, in the order they arrived (vote ids), and rater ids to external ids."""
    rows = list(
        counted_votes(study, filters)
        .order_by("id")
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
        )
    )
    systems = dict(study.systems.values_list("id", "name"))
    raters = dict(counted_votes(study, filters).values_list("rater_id", "rater__external_id").distinct())
    return VoteTable.from_rows(rows, systems), raters
