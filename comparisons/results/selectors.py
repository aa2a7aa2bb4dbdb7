"""Reads that feed the results: a study's counted votes as a VoteTable."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet

from comparisons.models import Study
from comparisons.results.table import VoteTable


@dataclass(frozen=True)
class VoteFilter:
    """Which votes count: never gold or attention votes; never excluded raters' votes unless
    `include_excluded`; minus `exclude_raters` (external ids); only `rater_group` if set."""

    exclude_raters: tuple[str, ...] = ()
    rater_group: str | None = None
    include_excluded: bool = False


def counted_votes(study: Study, filters: VoteFilter = VoteFilter()) -> QuerySet:
    from raters.models import Vote

    qs = Vote.objects.filter(comparison__study=study, is_gold=False)
    if not filters.include_excluded:
        qs = qs.filter(rater__excluded=False)
    if filters.exclude_raters:
        qs = qs.exclude(rater__external_id__in=filters.exclude_raters)
    if filters.rater_group:
        qs = qs.filter(rater__group=filters.rater_group)
    return qs


def votes_version(study: Study, filters: VoteFilter = VoteFilter()) -> tuple[int, str]:
    """(number of counted votes, a version string that changes whenever votes or
    exclusions change) — cheap enough for every results request."""
    from raters.models import Rater, Vote

    agg = counted_votes(study, filters).aggregate(n=Count("id"), last=Max("id"))
    all_votes = Vote.objects.filter(comparison__study=study).aggregate(n=Count("id"))["n"]
    excluded = Rater.objects.filter(study=study, excluded=True).count()
    return agg["n"], f"{agg['n']}:{agg['last'] or 0}:{all_votes}:{excluded}"


def vote_table(study: Study, filters: VoteFilter = VoteFilter()) -> tuple[VoteTable, dict[int, str]]:
    """The counted votes as arrays, in the order they arrived (vote ids), and rater ids to external ids."""
    rows = list(
        counted_votes(study, filters).order_by("id").values_list(
            "comparison_id", "comparison__prompt_id", "rater_id", "rater__group", "shown_left__system_id",
            "shown_right__system_id", "winner_id", "shown_left__length", "shown_right__length",
        )
    )
    systems = dict(study.systems.values_list("id", "name"))
    raters = dict(counted_votes(study, filters).values_list("rater_id", "rater__external_id").distinct())
    return VoteTable.from_rows(rows, systems), raters
