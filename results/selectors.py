"""Reads that feed the results: a study's counted votes as a VoteTable.

"Counted" is raters.selectors.votes_that_count (one definition for results, coverage and the
dashboard), narrowed by the researcher's filters; simulated votes (the demo's) count only
while the study has no real vote of their kind: from a real person's vote on, the simulated
people's votes are left out (the headline is never mixed), and likewise for judges."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, QuerySet, Sum

from comparisons.models import Study
from raters.models import GoldPair, Rater, Vote
from raters.selectors import votes_that_count

if TYPE_CHECKING:
    from results.study_columns import StudyColumns
    from results.table import VoteTable


GRADED_CHOICES = (Vote.Choice.GRADE, Vote.Choice.TURNS)


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


def votes_version(study: Study, filters: VoteFilter = VoteFilter()) -> str:
    """A version string that changes whenever the study's votes, its raters (exclusions,
    groups, names) or its gold pairs change: from the per-rater vote counters that triggers on
    the vote table keep in the writing transaction (results.models.RaterVoteCount), never a
    scan of the votes. One version per study: a change anywhere in it makes every parameter
    set's snapshot stale (`filters` is accepted for the callers' symmetry)."""
    return votes_versions([study.pk])[study.pk]


NEVER_VOTED = "v2:0:0:"  # the prefix of a study's version while no vote was ever written


def votes_versions(study_ids: list[int] | None = None) -> dict[int, str]:
    """``votes_version`` of several studies (every study with raters when None) in three
    small queries: the counters' sums, the raters (ids, groups, names, exclusions, hashed) and
    the gold pairs (count, newest id)."""
    raters = Rater.objects.all() if study_ids is None else Rater.objects.filter(study_id__in=study_ids)
    counts = {
        row["study_id"]: row
        for row in raters.order_by()
        .values("study_id")
        .annotate(n=Sum("vote_count__votes"), changes=Sum("vote_count__changes"), last=Max("vote_count__last_vote"))
    }
    digests: dict[int, Any] = {}
    for study_id, *fields in raters.order_by("study_id", "id").values_list(
        "study_id", "id", "group", "external_id", "excluded"
    ):
        digests.setdefault(study_id, hashlib.blake2b(digest_size=8)).update(repr(fields).encode())
    gold = {
        row["comparison__study_id"]: (row["n"], row["last"])
        for row in GoldPair.objects.filter(comparison__study_id__in=list(counts) if study_ids is None else study_ids)
        .order_by()
        .values("comparison__study_id")
        .annotate(n=Count("id"), last=Max("id"))
    }
    ids = list(counts) if study_ids is None else study_ids
    # a comparison build (new outputs) changes what the dashboard counts
    built = dict(Study.objects.filter(pk__in=ids).values_list("pk", "queue_report__built_at"))
    none: dict[str, Any] = {"n": 0, "changes": 0, "last": 0}
    return {
        sid: f"v2:{counts.get(sid, none)['n'] or 0}:{counts.get(sid, none)['changes'] or 0}:"
        f"{counts.get(sid, none)['last'] or 0}:{digests[sid].hexdigest() if sid in digests else '-'}:"
        f"{gold.get(sid, (0, 0))[0]}:{gold.get(sid, (0, 0))[1] or 0}:{built.get(sid) or ''}"
        for sid in ids
    }


@dataclass(frozen=True)
class VoteLoad:
    """The counted votes of a study as a VoteTable, rater ids to external ids, and the
    simulated votes counted and left out (``simulated_counts``)."""

    table: VoteTable
    raters: dict[int, str]
    simulated: int
    simulated_left_out: int


def vote_table(study: Study, filters: VoteFilter = VoteFilter()) -> tuple[VoteTable, dict[int, str]]:
    """The counted votes as arrays, in the order they arrived (vote ids), and rater ids to external ids."""
    load = vote_load(study, filters)
    return load.table, load.raters


def vote_load(study: Study, filters: VoteFilter = VoteFilter(), columns: StudyColumns | None = None) -> VoteLoad:
    """The counted votes: on PostgreSQL as columns straight into numpy (results.loading and results.counted, a
    few integers per vote aggregated into binary strings, and the study's comparisons,
    responses and raters; `columns` if already read); elsewhere (the SQLite first run)
    through the ORM rows."""
    # numpy loads with the first computation, not when the URLs are imported (no cycle is dodged)
    if connection.vendor == "postgresql":
        from results.counted import vote_load_columns  # noqa: PLC0415

        return vote_load_columns(study, filters, columns)
    return vote_load_rows(study, filters)


def vote_rows_query(study: Study, filters: VoteFilter = VoteFilter()) -> QuerySet[Vote, tuple[Any, ...]]:
    """The row path's query: one tuple per counted vote, in id order (comparison, prompt, rater,
    rater group, left and right systems, winner, left and right lengths, both bad, turn choices)."""
    both_bad = Q(choice=Vote.Choice.BOTH_BAD)
    return (
        counted_votes(study, filters)
        .exclude(choice__in=GRADED_CHOICES)  # rating votes have one side: results.ratings reads them
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
            "turn_choices",
        )
    )


def vote_load_rows(study: Study, filters: VoteFilter = VoteFilter()) -> VoteLoad:
    """The row path: the ORM's tuples per vote (the reference the columns path is tested equal to)."""
    rows = expand_turn_rows(list(vote_rows_query(study, filters)))
    systems = dict(study.systems.values_list("id", "name"))
    raters = dict(counted_votes(study, filters).values_list("rater_id", "rater__external_id").distinct())
    from results.table import VoteTable  # noqa: PLC0415

    simulated, left_out = simulated_counts(study, filters)
    return VoteLoad(VoteTable.from_rows(rows, systems), raters, simulated, left_out)


def expand_turn_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """`vote_rows_query`'s rows for VoteTable.from_rows: a per-turn vote (turn choices as shown)
    becomes one row per turn, its unit results.table.turn_unit, its winner and both-bad the
    turn's; a whole vote is turn 0. The turn column is left off when no vote is per-turn."""
    from results.table import turn_unit  # noqa: PLC0415

    if not any(row[10] is not None for row in rows):
        return [row[:10] for row in rows]
    out: list[tuple[Any, ...]] = []
    for comparison, prompt, rater, group, left, right, winner, ll, rl, both_bad, turn_choices in rows:
        if turn_choices is None:
            out.append((comparison, prompt, rater, group, left, right, winner, ll, rl, both_bad, 0))
            continue
        for k, choice in enumerate(turn_choices):
            unit = int(turn_unit(comparison, k))
            won = left if choice == "left" else right if choice == "right" else None
            out.append((unit, prompt, rater, group, left, right, won, ll, rl, choice == "both_bad", k))
    return out
