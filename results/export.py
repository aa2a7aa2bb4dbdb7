"""Every vote of a study as rows: enough to recompute every number (CSV and JSON Lines).

On PostgreSQL the votes come from a binary COPY of one query (`_copy_rows`), through the rater
index for a small study as the results' read does; elsewhere (the SQLite first run) from the
ORM's rows (`_orm_rows`), the same values (tests/results/test_export.py). Both are streamed:
the export of a large study never holds its votes in memory."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from psycopg import sql

from comparisons import csvsafe
from comparisons.models import Study
from raters.models import Vote
from results.planner import RATER_INDEX_PLANNER, planner_applied, through_rater_index

COLUMNS = [
    "vote_id",
    "created_at",
    "rater",
    "rater_group",
    "rater_source",
    "rater_excluded",
    "prompt_id",
    "category",
    "comparison_id",
    "left_system",
    "right_system",
    "choice",
    "winner",
    "left_outcome",
    "right_outcome",
    "focal_system",
    "focal_outcome",
    "is_gold",
    "imported",
    "simulated",
    "seconds",
    "left_length",
    "right_length",
    "rationale",
    "grade",
    "grade_label",
    "turn_grades",
    "turn_choices",
]
OUTCOME = {
    "left": ("win", "loss"),
    "right": ("loss", "win"),
    "tie": ("tie", "tie"),
    "both_bad": ("both_bad", "both_bad"),  # kept apart from a tie
}


# The columns each vote is read with, in this order, by the ORM (`_orm_rows`) and by PostgreSQL's
# COPY (`_copy_rows`: the same values, each column's binary type in COPY_TYPES)
READ = (
    "id",
    "created_at",
    "rater__external_id",
    "rater__group",
    "rater__source",
    "rater__excluded",
    "comparison__prompt__external_id",
    "comparison__prompt__category",
    "comparison_id",
    "shown_left__system__name",
    "shown_right__system__name",
    "choice",
    "winner__name",
    "is_gold",
    "imported",
    "simulated",
    "seconds",
    "shown_left__length",
    "shown_right__length",
    "rationale",
    "grade",
    "turn_grades",
    "turn_choices",
)
COPY_SELECT = """
select v.id, v.created_at, r.external_id::text, r."group"::text, r.source::text, r.excluded,
       p.external_id::text, p.category::text, v.comparison_id, ls.name::text, rs.name::text,
       v.choice::text, w.name::text, v.is_gold, v.imported, v.simulated, v.seconds,
       lr.length, rr.length, v.rationale, v.grade, v.turn_grades, v.turn_choices
from raters_vote v
join raters_rater r on r.id = v.rater_id
join comparisons_comparison c on c.id = v.comparison_id
join comparisons_prompt p on p.id = c.prompt_id
join comparisons_response lr on lr.id = v.shown_left_id
join comparisons_system ls on ls.id = lr.system_id
left join comparisons_response rr on rr.id = v.shown_right_id
left join comparisons_system rs on rs.id = rr.system_id
left join comparisons_system w on w.id = v.winner_id
where v.rater_id = any({raters}::bigint[]) and c.study_id = {study}
order by v.id
"""
COPY_TYPES = [
    "int8",
    "timestamptz",
    "text",
    "text",
    "text",
    "bool",
    "text",
    "text",
    "int8",
    "text",
    "text",
    "text",
    "text",
    "bool",
    "bool",
    "bool",
    "float8",
    "int4",
    "int4",
    "text",
    "int2",
    "jsonb",
    "jsonb",
]


def _orm_rows(study: Study) -> Iterator[tuple[Any, ...]]:
    """The votes' READ columns, in id order, through the ORM (the SQLite first run)."""
    qs = Vote.objects.filter(comparison__study=study).order_by("id").values_list(*READ)
    yield from qs.iterator(chunk_size=5000)


def copy_query(study: Study) -> tuple[sql.Composable, dict[str, str] | None]:
    """The query `_copy_rows` copies out, and the planner settings it runs with (None: the
    planner's choice)."""
    raters = sql.Literal("{" + ",".join(str(pk) for pk in study.raters.values_list("id", flat=True)) + "}")
    query = sql.SQL(COPY_SELECT).format(raters=raters, study=sql.Literal(study.pk))
    return query, RATER_INDEX_PLANNER if through_rater_index(raters) else None


def _copy_rows(study: Study) -> Iterator[tuple[Any, ...]]:
    """The votes' READ columns, in id order, from PostgreSQL by a binary COPY of one query.

    A COPY is planned for its whole result and may run in parallel. A server-side cursor, as
    `.iterator()` declares, is planned for its first tenth and never in parallel: at 1M votes it
    walked the primary key with a lookup per vote and join, and its rows took 42.6 s to fetch
    (23.1 s planned whole), against 10.2-10.4 s by this COPY (docs/benchmarks.md, "Export"). A
    study's votes are selected by its raters, and where they are a small share of the votes
    table they are read through the rater index (results.planner.through_rater_index: a small
    study's export otherwise scanned every study's votes). psycopg turns each binary row into
    Python values in C. Stopping early (a client gone) cancels the COPY and rolls back. Until
    the rows are read or the generator closed, the connection is the COPY's: a statement sent
    on it in between would wait on psycopg's connection lock for ever (a streaming response
    sends none). The transaction lasts as long as the download: its snapshot holds VACUUM back
    for that time, as any long read does."""
    query, planner = copy_query(study)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        copy_out = sql.SQL("copy ({}) to stdout (format binary)").format(query)
        with planner_applied(raw, planner), raw.copy(copy_out) as copy:
            copy.set_types(COPY_TYPES)
            yield from copy.rows()


def vote_values(study: Study) -> Iterator[tuple[Any, ...]]:
    """Each vote of `study` as its export's values, in COLUMNS order, in id order."""
    focal = study.focal_system.name if study.focal_system is not None else None
    scale = list(study.scale)
    rows = _copy_rows(study) if connection.vendor == "postgresql" else _orm_rows(study)
    for (
        vid,
        created,
        rater,
        group,
        source,
        excluded,
        prompt,
        category,
        cid,
        left,
        right,
        choice,
        winner,
        gold,
        imported,
        simulated,
        seconds,
        llen,
        rlen,
        rationale,
        grade,
        turn_grades,
        turn_choices,
    ) in rows:
        left_outcome, right_outcome = OUTCOME.get(choice, ("", ""))  # a rating vote has no outcome
        if turn_choices is not None:  # a per-turn vote's outcome is its majority (its winner)
            majority = "left" if winner and winner == left else "right" if winner and winner == right else "tie"
            left_outcome, right_outcome = OUTCOME[majority]
        focal_outcome = left_outcome if focal == left else right_outcome if focal == right else ""
        yield (
            vid,
            created.isoformat(),
            rater,
            group,
            source,
            excluded,
            prompt,
            category,
            cid,
            left,
            right or "",
            choice,
            winner or "",
            left_outcome,
            right_outcome,
            focal or "",
            focal_outcome,
            gold,
            imported,
            simulated,
            seconds,
            llen,
            "" if rlen is None else rlen,
            rationale,
            "" if grade is None else grade,
            scale[grade] if grade is not None and grade < len(scale) else "",
            turn_grades,  # a list (JSON Lines), its JSON text in the CSV
            turn_choices,  # as shown, one per assistant turn (a per-turn study)
        )


def vote_rows(study: Study) -> Iterator[dict[str, Any]]:
    """Each vote of `study` as a dict of COLUMNS, in id order."""
    for values in vote_values(study):
        yield dict(zip(COLUMNS, values, strict=True))


def csv_lines(study: Study) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(COLUMNS)
    for *values, turns, choices in vote_values(study):
        writer.writerow(
            [*values, "" if turns is None else json.dumps(turns), "" if choices is None else json.dumps(choices)]
        )
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(study: Study) -> Iterator[str]:
    for row in vote_rows(study):
        yield json.dumps(row) + "\n"
