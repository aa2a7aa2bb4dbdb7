"""A study's columns read from PostgreSQL straight into numpy (`study_columns`): what
results.selectors.vote_load_rows reads through the ORM, without a Python object per vote.

Four reads: the study's raters (a few hundred rows, through the ORM: which count under the
filters, their groups and names), and three column reads (results.columns): every vote of the
study's raters (id, comparison, rater, shown responses, winner, seconds, and the choice code,
simulated and gold flags and grade packed in one integer; no join; through the rater index when
they are a small share of the votes table), the study's comparisons (id, prompt, gold pair or
not, responses) and its responses (id, system, length), each column aggregated by PostgreSQL
into one binary string (results.columns); the turns of per-turn votes when there are any. numpy
joins them by id (results.joins) and orders the votes by id; results.counted applies the rules
of the votes that count. A large study's columns are kept between refreshes
(results.kept_columns), and the next refresh reads only the newer votes. A vote's rater and
comparison belong to one study (every writer builds the vote from a rater and a comparison of
the study)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from django.conf import settings
from django.db import connection
from psycopg import sql

from comparisons.models import Study
from raters.models import Rater
from results import kept_columns
from results.columns import fetch_columns
from results.joins import by_id, by_turn, links, lookup
from results.kept_columns import appended
from results.loading_rows import study_columns_rows
from results.planner import RATER_INDEX_PLANNER, through_rater_index
from results.study_columns import PER_TURN, StudyColumns

# A vote's choice code, its flags and its grade travel packed in one int4 (`codes`): each column
# aggregated costs PostgreSQL a send function call and an append per vote, so five small columns
# in one took the read of 1M votes from 1.0-1.06 s to 0.80 s of PostgreSQL's time (docs/benchmarks.md).
# Bits: 0-2 the choice code, 3 simulated, 4 gold, 5 both bad, 6 and up the grade + 1 (0: none).
CHOICE_CODE = (
    "case choice when 'left' then 0 when 'right' then 1 when 'grade' then 3 when 'turns' then 3"
    " when 'per_turn' then 4 else 2 end"
)
VOTE_COLUMNS = [
    ("id", "id", "int8"),
    ("comparison", "comparison_id", "int8"),
    ("rater", "rater_id", "int8"),
    ("left", "shown_left_id", "int8"),
    ("right", "coalesce(shown_right_id, 0)", "int8"),
    ("winner", "coalesce(winner_id, 0)", "int8"),
    ("seconds", "seconds", "float8"),
    (
        "codes",
        f"({CHOICE_CODE}) | (simulated::int << 3) | (is_gold::int << 4) | ((choice = 'both_bad')::int << 5)"
        " | ((coalesce(grade, -1) + 1) << 6)",
        "int4",
    ),
]


def _unpacked(votes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The vote columns as read (VOTE_COLUMNS) with `codes` unpacked into choice, simulated,
    gold, both_bad and grade."""
    out = dict(votes)
    codes = out.pop("codes")
    out["simulated"] = (codes & 8) != 0
    out["gold"] = (codes & 16) != 0
    out["choice"] = codes & 7
    out["both_bad"] = (codes & 32) != 0
    out["grade"] = (codes >> 6) - 1
    return out


def study_columns(study: Study, version: str | None = None) -> StudyColumns:
    """The study's columns: on PostgreSQL aggregated into binary strings, elsewhere (the SQLite
    first run) from the ORM's rows.

    With ``version`` (results.selectors.votes_version, read just before), a study of at least
    LIMA_RESULTS_COLUMN_CACHE_MIN_VOTES votes keeps its columns in this process, and the next
    call reads only the votes newer than the newest it read, when the vote counters show that
    nothing but inserts happened since (the votes' count and changes moved together, checked in
    the same statement that reads the new votes, so a vote that committed late with a lower id
    is noticed) and neither gold pairs nor the comparisons changed. Anything else is a full read."""
    if connection.vendor != "postgresql":
        return study_columns_rows(study)
    raters = list(Rater.objects.filter(study=study).values_list("id", "external_id", "group", "excluded"))
    systems = dict(study.systems.values_list("id", "name"))
    rater_ids = sql.Literal("{" + ",".join(str(r[0]) for r in raters) + "}")
    shape = ":".join(version.split(":")[5:]) if version else ""
    kept = kept_columns.kept_studies.get(study.pk) if version else None
    if kept is not None and (kept.study != (study.pk, study.slug) or kept.shape != shape):
        kept = None
    # the new votes only (kept columns): through the primary key's range; all of them: through the
    # rater index when they are a small share of the votes table (`through_rater_index`)
    through_index = kept is None and through_rater_index(rater_ids)
    of_study = sql.SQL("from raters_vote v where v.rater_id = any({}::bigint[])").format(rater_ids)
    after = sql.SQL(" and v.id > {}").format(sql.Literal(kept.last_id)) if kept is not None else sql.SQL("")
    counters = sql.SQL(
        "(select coalesce(sum(votes), 0)::int8 from results_ratervotecount where rater_id = any({0}::bigint[])),"
        " (select coalesce(sum(changes), 0)::int8 from results_ratervotecount where rater_id = any({0}::bigint[]))"
    ).format(rater_ids)
    votes, (n_votes, n_changes) = fetch_columns(
        of_study + after, VOTE_COLUMNS, extra=counters, planner=RATER_INDEX_PLANNER if through_index else None
    )
    votes = by_id(_unpacked(votes))
    read_turns = sql.SQL(
        "from raters_vote v cross join lateral jsonb_array_elements_text(v.turn_choices) with ordinality t(c, n)"
        " where v.rater_id = any({}::bigint[]) and v.choice = 'per_turn'{}"
    )
    turn_columns = [
        ("vote", "v.id", "int8"),
        ("turn", "t.n - 1", "int4"),
        ("code", "case t.c when 'left' then 0 when 'right' then 1 when 'both_bad' then 4 else 2 end", "int4"),
    ]
    if kept is not None:
        before = kept.columns
        inserts_only = n_votes - kept.votes == n_changes - kept.changes == votes["id"].size
        if inserts_only:
            new_turns = _turns(votes, read_turns.format(rater_ids, _id_range(kept.last_id, votes)), turn_columns)
            new_links = links(votes, before.comparisons, before.responses, raters)
            old_links = before.links
            old_ids, new_ids = before.rater_ids(), np.array(sorted(r[0] for r in raters), dtype=np.int64)
            if old_ids.size > new_ids.size or not np.array_equal(old_ids, new_ids[: old_ids.size]):
                # a rater left the list (new raters' ids come last): every vote's rater position again
                old_links = {**old_links, "rater_at": lookup(new_ids, before.votes["rater"])[0]}
            columns = replace(
                before,
                votes={k: appended(kept.room, f"votes.{k}", col, votes[k]) for k, col in before.votes.items()},
                links={k: appended(kept.room, f"links.{k}", col, new_links[k]) for k, col in old_links.items()},
                raters=raters,
                systems=systems,
                turns=by_turn(
                    new_turns
                    if before.turns is None
                    else {k: np.concatenate([col, new_turns[k]]) for k, col in before.turns.items()}
                ),
            )
            kept_columns.keep(study, columns, n_votes, n_changes, shape, kept.room)
            return columns
        # not only inserts (an update, a delete, a late commit): read everything again
        through_index = through_rater_index(rater_ids)
        votes, (n_votes, n_changes) = fetch_columns(
            of_study, VOTE_COLUMNS, extra=counters, planner=RATER_INDEX_PLANNER if through_index else None
        )
        votes = by_id(_unpacked(votes))
    comparisons = fetch_columns(
        sql.SQL(
            "from comparisons_comparison c left join raters_goldpair g on g.comparison_id = c.id where c.study_id = {}"
        ).format(sql.Literal(study.pk)),
        [
            ("id", "c.id", "int8"),
            ("prompt", "c.prompt_id", "int8"),
            ("gold", "g.id is not null", "bool"),
            ("left", "c.left_response_id", "int8"),
            ("right", "coalesce(c.right_response_id, 0)", "int8"),
        ],
    )[0]
    responses = fetch_columns(
        sql.SQL(
            "from comparisons_response r where r.prompt_id in (select id from comparisons_prompt where study_id = {})"
        ).format(sql.Literal(study.pk)),
        [("id", "r.id", "int8"), ("system", "r.system_id", "int8"), ("length", "r.length", "int4")],
    )[0]
    turns = _turns(
        votes,
        read_turns.format(rater_ids, _id_range(0, votes)),
        turn_columns,
        planner=RATER_INDEX_PLANNER if through_index else None,
    )
    comparisons, responses = by_id(comparisons), by_id(responses)
    per_vote = links(votes, comparisons, responses, raters)
    # kept only when the counters agree with the votes read (they are the check of the next read)
    keep = bool(version) and n_votes == votes["id"].size >= settings.LIMA_RESULTS_COLUMN_CACHE_MIN_VOTES
    room: dict[str, np.ndarray] = {}
    if keep:  # in buffers with room after them, so that the next refresh's votes are appended there
        votes = {k: appended(room, f"votes.{k}", col, col[:0]) for k, col in votes.items()}
        per_vote = {k: appended(room, f"links.{k}", col, col[:0]) for k, col in per_vote.items()}
    columns = StudyColumns(votes, comparisons, responses, raters, systems, by_turn(turns), per_vote)
    if keep:
        kept_columns.keep(study, columns, n_votes, n_changes, shape, room)
    else:
        kept_columns.kept_studies.pop(study.pk, None)
    return columns


def _turns(
    votes: dict[str, np.ndarray],
    source: sql.Composable,
    columns: list[tuple[str, str, str]],
    planner: dict[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """The turns of the per-turn votes among ``votes`` (read by ``source``), or none without
    one: the read scans the votes again (65-78 ms at 1M votes), and turns whose vote is not
    among those read are dropped anyway (`expand_turns`)."""
    if (votes["choice"] == PER_TURN).any():
        return fetch_columns(source, columns, planner=planner)[0]
    return {name: np.zeros(0, dtype=np.int64) for name, _expr, _kind in columns}


def _id_range(after: int, votes: dict[str, np.ndarray]) -> sql.Composable:
    """The turns of the votes read only (ids after ``after`` up to the newest read): a per-turn
    vote written between the two statements is read, with its turns, by the next refresh."""
    newest = int(votes["id"][-1]) if votes["id"].size else after
    return sql.SQL(" and v.id > {} and v.id <= {}").format(sql.Literal(after), sql.Literal(newest))
