"""The statements on a rater's request path that the ORM made slow, written as SQL.

A rater's next pair and vote run about ten statements; built through the ORM (subqueries,
Exists, Coalesce) each cost 0.3-2 ms to compile on the benchmark machine, more than the
statement itself takes in PostgreSQL (docs/benchmarks.md, "Voting"). These are plain SQL
on the models' own table names, portable to SQLite (row locks only where the database has
them, as `select_for_update` does). Each mirrors an ORM definition that the rest of the code
uses, and tests/raters/test_sql.py checks that they agree:
- `exact_fill` = raters.services.coverage.counted_votes() + holding(now) for one comparison
  (`exact_fill_hinted` also writes the Coverage hint from it, in the same statement);
- `unseen_least_filled` = the candidate scan described in raters.services.assignment;
- `rater_with_study`, `assignment_for_vote`, `pending_lease` and `pair_texts` load what the
  rater pages read, as the ORM would (`hydrate` applies each field's database converters,
  then Model.from_db).
Counts and ids need no converter; rows that become model instances go through `hydrate`.
On PostgreSQL a vote cycle joins statements that follow one another (issue 13): the vote's
INSERT marks its lease (`vote_insert`), a new lease's INSERT returns its pair's texts
(`lease_insert`), the lock of a vote's lease counts the rater's pairs (`assignment_for_vote`
with `counts_of`); other databases run them one by one."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

from comparisons.models import Comparison, Prompt, Response, Study
from raters import rendering
from raters.models import (
    Assignment,
    Coverage,
    GoldPair,
    Rater,
    RenderedPrompt,
    RenderedResponse,
    StudyRaterSettings,
    Vote,
)

M = TypeVar("M", bound=Model)  # a model class, for the typed helpers below
_VOTE, _ASSIGNMENT, _RATER = Vote._meta.db_table, Assignment._meta.db_table, Rater._meta.db_table
_COVERAGE, _GOLD = Coverage._meta.db_table, GoldPair._meta.db_table

# A vote's or lease's rater is read by a scalar subquery, which PostgreSQL never turns into a
# join: the counts start from the comparison's own votes and leases and look each one's rater
# up by its key. As joins, a plan could start from the raters instead (a generic plan did, on
# the benchmark's study: every rater of the database scanned for each vote, 0.13 ms at 100
# raters, growing with them; tests/raters/test_sql.py checks the plan).
_FILL = f"""
SELECT
  (SELECT COUNT(*) FROM {_VOTE} v
    WHERE v.comparison_id = %s AND NOT v.is_gold
      AND (SELECT NOT r.excluded AND r."group" <> %s FROM {_RATER} r WHERE r.id = v.rater_id)
      AND NOT EXISTS (SELECT 1 FROM {_GOLD} g WHERE g.comparison_id = v.comparison_id))
+ (SELECT COUNT(*) FROM {_ASSIGNMENT} a
    WHERE a.comparison_id = %s AND a.state = %s AND a.expires_at > %s AND NOT a.is_gold
      AND (SELECT NOT r.excluded FROM {_RATER} r WHERE r.id = a.rater_id) AND a.id <> %s)
"""

# The exact fill and the hint written from it, in one statement (PostgreSQL: an UPDATE in a
# WITH clause): the hint becomes the fill plus one when a slot is free (about to be taken) and
# the fill when not; a settled comparison's hint stays.
_FILL_HINTED = f"""
WITH f AS (SELECT ({_FILL}) AS n),
h AS (SELECT n + CASE WHEN n < %s THEN 1 ELSE 0 END AS hint FROM f),
u AS (UPDATE {_COVERAGE} c SET filled = h.hint FROM h
      WHERE c.comparison_id = %s AND c.filled <> h.hint AND c.filled < %s)
SELECT n FROM f
"""

# `OFFSET 0` (PostgreSQL's; SQLite runs the statement without it) keeps the rater's NOT
# EXISTS a subplan that checks each candidate against the (rater, comparison) index. Without
# it the planner may make it an anti-join, and a prepared statement's generic plan (psycopg
# prepares a statement run five times; PostgreSQL may then keep a generic plan made from a
# new table's statistics) read all the rater's pairs on every call: 1.2 ms per vote for a
# rater with 1,200 pairs, against 0.1 ms (docs/benchmarks.md, "Voting"; the plan is checked
# in tests/raters/test_sql.py).
_CANDIDATES = f"""
SELECT c.comparison_id, c.filled FROM {_COVERAGE} c
WHERE c.study_id = %s AND c.filled < %s
  AND NOT EXISTS (SELECT 1 FROM {_ASSIGNMENT} a WHERE a.rater_id = %s AND a.comparison_id = c.comparison_id OFFSET 0)
  AND NOT EXISTS (SELECT 1 FROM {_GOLD} g WHERE g.comparison_id = c.comparison_id)
ORDER BY c.filled, c.rank
LIMIT %s
"""
# A study with stopping rules fills comparisons one after another (the most filled first, the
# highest rank first: raters.services.settlement puts the pairs that need votes most in the
# highest rank band), so that prompts complete in turn and join the pairs' sequences. The same
# index, scanned backwards.
_CANDIDATES_DEEPEST = _CANDIDATES.replace("ORDER BY c.filled, c.rank", "ORDER BY c.filled DESC, c.rank DESC")
# The fill hint of a comparison whose pair has settled: above every cap (at most 1,000), so the
# candidate scan (filled < cap) never reaches it; exact counts never overwrite it.
SETTLED = 1_000_000

# A rater's pairs served and voted, in one scan of the rater's own rows (the voted ones
# counted by a CASE, so that no plan reaches for the index on `state`, which holds every
# rater's leases: with a BitmapAnd over it, counting one rater's pairs read every voted lease
# of the database). Used alone (`lock_rater`) and as a derived table (`assignment_for_vote`).
_RATER_COUNTS = (
    f"SELECT COUNT(*) AS served, COALESCE(SUM(CASE WHEN state = %s THEN 1 ELSE 0 END), 0) AS done"
    f" FROM {_ASSIGNMENT} WHERE rater_id = %s"
)


def _for_update(skip: bool = False) -> str:
    features = connection.features
    if not features.has_select_for_update:
        return ""
    return " FOR UPDATE SKIP LOCKED" if skip and features.has_select_for_update_skip_locked else " FOR UPDATE"


def _one(sql: str, params: list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _row(sql: str, params: list[Any]) -> tuple[Any, ...]:
    """The one row of a statement that always returns one (an aggregate, a row known to exist)."""
    row = _one(sql, params)
    if row is None:
        raise LookupError(f"no row for {sql.split()[0:6]}")
    return row


def _dt(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def exact_fill(comparison_id: int, now: datetime, *, excluding: int | None = None) -> int:
    """Votes that fill a slot of the comparison plus leases that hold one at `now`
    (leaving out the assignment `excluding`)."""
    row = _row(
        _FILL,
        [comparison_id, Rater.JUDGE_GROUP, comparison_id, Assignment.State.PENDING.value, _dt(now), excluding or 0],
    )
    return int(row[0])


def exact_fill_hinted(comparison_id: int, now: datetime, *, cap: int, excluding: int | None = None) -> int:
    """`exact_fill`, with the Coverage hint set to it plus one when it is below `cap` (the
    caller takes that slot), to it when not: one statement on PostgreSQL, two elsewhere."""
    if connection.vendor != "postgresql":
        exact = exact_fill(comparison_id, now, excluding=excluding)
        set_fill_hint(comparison_id, exact + (exact < cap))
        return exact
    fill = [comparison_id, Rater.JUDGE_GROUP, comparison_id, Assignment.State.PENDING.value, _dt(now), excluding or 0]
    return int(_row(_FILL_HINTED, [*fill, cap, comparison_id, SETTLED])[0])


def unseen_least_filled(
    *, rater_id: int, study_id: int, cap: int, limit: int, deepest: bool = False
) -> list[tuple[int, int]]:
    """(comparison id, hint) of the least-filled comparisons below `cap` the rater was never
    handed, gold pairs left out, in the Coverage index's order (filled, rank); with `deepest`,
    the most filled below `cap` first (filled descending, rank descending)."""
    with connection.cursor() as cursor:
        statement = _CANDIDATES_DEEPEST if deepest else _CANDIDATES
        if connection.vendor != "postgresql":  # SQLite takes no OFFSET without a LIMIT
            statement = statement.replace(" OFFSET 0)", ")")
        cursor.execute(statement, [study_id, cap, rater_id, limit])
        return [(int(c), int(f)) for c, f in cursor.fetchall()]


def lock_rater(rater_id: int, *, durable: bool = True) -> tuple[bool, int, int] | None:
    """Lock the rater's row for this transaction; (excluded, pairs served, pairs voted),
    counted after the lock is held. None when the rater is gone.

    `durable=False` lets PostgreSQL commit this transaction without waiting for its WAL to
    reach the disk (synchronous_commit off for this transaction only, set in the same
    statement): for a transaction that only hands out a lease, whose loss in a crash costs
    nothing (the pair is handed out again). Ignored inside an outer transaction, whose other
    writes (a vote) must stay durable, and on other databases."""
    quiet = not durable and connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1
    extra = ", set_config('synchronous_commit', 'off', true)" if quiet else ""
    excluded = lock_rater_row(rater_id, extra=extra)
    if excluded is None:
        return None
    served, done = _row(_RATER_COUNTS, [Assignment.State.VOTED.value, rater_id])
    return excluded, int(served), int(done)


# Every statement after the rater's lock, to the end of its transaction, runs on a generic
# plan (PostgreSQL; set in the lock's own statement, no round trip of its own). psycopg
# prepares a statement run five times, but PostgreSQL then keeps planning it for each call
# whenever its cost estimate of the generic plan is above the custom plans' average, as it
# was for the lease's lock (a seven-table join: 0.74 ms of planning per vote to execute in
# 0.08 ms) and the candidate scan, re-planned on every vote (docs/benchmarks.md, "Voting").
# The statements of the rater's transaction look rows up by keys; the generic plans of the
# candidate scan, the counts, the fill and the pending lease are checked in
# tests/raters/test_sql.py (for a study analysed while new), and a full study's rare path of
# the ORM's statements goes back to plans chosen per call (`plans_per_call`).
_GENERIC_PLANS = ", set_config('plan_cache_mode', 'force_generic_plan', true)"


def lock_rater_row(rater_id: int, *, extra: str = "") -> bool | None:
    """Lock the rater's row for this transaction; whether the rater is excluded (None: gone).
    The rater's pairs are counted by a later statement, which sees what committed before
    the lock was granted (`lock_rater`, or `assignment_for_vote` with `counts_of`). On
    PostgreSQL the rest of the transaction runs on generic plans (`_GENERIC_PLANS`)."""
    if connection.vendor == "postgresql":
        extra = _GENERIC_PLANS + extra
    row = _one(f"SELECT excluded{extra} FROM {_RATER} WHERE id = %s" + _for_update(), [rater_id])
    return None if row is None else bool(row[0])


def plans_per_call() -> None:
    """Plans chosen per call again for the rest of this transaction (PostgreSQL; undoes
    `_GENERIC_PLANS`), before the statements of a full study's rare path (lapsed leases
    expired, idle ones released), whose generic plans cannot know that pending leases are
    few among all (the lapsed-lease scan: 4.9 ms generic against 1.7 ms planned per call at
    11,000 leases). One statement, on that path only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode TO DEFAULT")


_PENDING = f"SELECT {{}} FROM {_ASSIGNMENT} a WHERE a.rater_id = %s AND a.state = '{Assignment.State.PENDING.value}'"


def pending_lease(rater_id: int) -> Assignment | None:
    """The rater's pending lease (at most one: a unique index on the rater's pending rows).
    The state is written into the statement, not passed as a parameter, so that a generic plan
    can use that partial index: with the state a parameter, the ORM's query's generic plan
    walked the primary key through every lease of the database (7.7 ms at 11,000)."""
    row = _one(_PENDING.format(select_list(Assignment, "a")), [rater_id])
    return None if row is None else hydrate(Assignment, row)


def lock_coverage(comparison_id: int, *, skip: bool) -> bool:
    """Lock the comparison's Coverage row; with `skip`, False when another transaction holds it."""
    return (
        _one(f"SELECT comparison_id FROM {_COVERAGE} WHERE comparison_id = %s" + _for_update(skip), [comparison_id])
        is not None
    )


def is_settled(comparison_id: int) -> bool:
    """Whether the comparison's pair has settled (its hint is SETTLED)."""
    row = _one(f"SELECT filled FROM {_COVERAGE} WHERE comparison_id = %s", [comparison_id])
    return row is not None and int(row[0]) >= SETTLED


def set_fill_hint(comparison_id: int, value: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_COVERAGE} SET filled = %s WHERE comparison_id = %s AND filled <> %s AND filled < %s",
            [value, comparison_id, value, SETTLED],
        )


@cache
def _columns(model: type[Model], skip: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The attnames and column names of the model's concrete fields, less `skip` (deferred)."""
    fields = [f for f in model._meta.concrete_fields if f.name not in skip]
    return tuple(f.attname for f in fields), tuple(_column(f) for f in fields)


def _column(field: Field[Any, Any]) -> str:
    assert field.column is not None, "a concrete field has a column"
    return field.column


@cache
def _converters(model: type[Model], skip: tuple[str, ...], vendor: str) -> tuple:
    fields = [f for f in model._meta.concrete_fields if f.name not in skip]
    out = []
    for field in fields:
        col = field.get_col(model._meta.db_table)
        out.append(tuple(connection.ops.get_db_converters(col) + field.get_db_converters(connection)) or None)
    return tuple(out), tuple(field.get_col(model._meta.db_table) for field in fields)


def select_list(model: type[Model], alias: str, skip: tuple[str, ...] = ()) -> str:
    return _select_list(model, alias, skip, connection.vendor)


@cache
def _select_list(model: type[Model], alias: str, skip: tuple[str, ...], vendor: str) -> str:
    quote = connection.ops.quote_name  # columns like "group" are keywords
    return ", ".join(f"{alias}.{quote(column)}" for column in _columns(model, skip)[1])


def hydrate(model: type[M], values: tuple[Any, ...] | list[Any], skip: tuple[str, ...] = ()) -> M:
    """A model instance from its concrete fields' raw column values in field order (less
    `skip`, left deferred), converted as the ORM converts them (dates on SQLite, JSON...)."""
    converters, cols = _converters(model, skip, connection.vendor)
    values = list(values)
    for i, convs in enumerate(converters):
        if convs:
            for convert in convs:
                values[i] = convert(values[i], cols[i], connection)
    return model.from_db(connection.alias, list(_columns(model, skip)[0]), values)


_STUDY_SKIP = ("queue_report",)  # the build report: loaded only where it is shown


def rater_with_study(
    *, rater_id: int | None = None, study_id: int | None = None, slug: str, key: str | None = None
) -> Rater | None:
    """The rater (by id and study id, or by their opaque `key`) with their study and its rater
    settings (when created), in one statement; None unless the rater belongs to the study of
    `slug` and the study is not a draft."""
    r, s, rs = (_columns(Rater)[0], _columns(Study, _STUDY_SKIP)[0], _columns(StudyRaterSettings)[0])
    where, params = ("r.key = %s", [key]) if key is not None else ("r.id = %s AND s.id = %s", [rater_id, study_id])
    row = _one(
        f"SELECT {select_list(Rater, 'r')}, {select_list(Study, 's', _STUDY_SKIP)},"
        f" {select_list(StudyRaterSettings, 'rs')}"
        f" FROM {Rater._meta.db_table} r JOIN {Study._meta.db_table} s ON s.id = r.study_id"
        f" LEFT JOIN {StudyRaterSettings._meta.db_table} rs ON rs.study_id = s.id"
        f" WHERE {where} AND s.slug = %s AND s.status <> %s",
        [*params, slug, Study.Status.DRAFT.value],
    )
    if row is None:
        return None
    rater = hydrate(Rater, row[: len(r)])
    study = hydrate(Study, row[len(r) : len(r) + len(s)], _STUDY_SKIP)
    settings_row = row[len(r) + len(s) : len(r) + len(s) + len(rs)]
    if settings_row[0] is not None:
        study.rater_settings = hydrate(StudyRaterSettings, settings_row)
    rater.study = study
    return rater


def assignment_for_vote_sql(counts: bool) -> str:
    """The statement of `assignment_for_vote` (with the rater's counts when `counts`): its
    parameters are the voted state and the rater's id when `counts`, then the token."""
    return _assignment_for_vote_sql(counts, connection.vendor)


@cache
def _assignment_for_vote_sql(counts: bool, vendor: str) -> str:
    extra, joined = (", k.served, k.done", f" CROSS JOIN ({_RATER_COUNTS}) k") if counts else ("", "")
    return (
        f"SELECT {select_list(Assignment, 'a')}, c.left_response_id, c.right_response_id, l.system_id, rr.system_id,"
        f" s.status{extra} FROM {_ASSIGNMENT} a JOIN {Comparison._meta.db_table} c ON c.id = a.comparison_id"
        f" JOIN {Study._meta.db_table} s ON s.id = c.study_id"
        f" JOIN {Response._meta.db_table} l ON l.id = c.left_response_id"
        f" LEFT JOIN {Response._meta.db_table} rr ON rr.id = c.right_response_id{joined}"
        " WHERE a.token = %s" + (" FOR UPDATE OF a" if connection.features.has_select_for_update_of else _for_update())
    )


def assignment_for_vote(token: str, *, counts_of: int | None = None) -> Assignment | None:
    """Lock the assignment of `token` (this transaction); it comes with the ids of the
    comparison's stored left and right responses and their systems as `left_id`,
    `right_id`, `left_system` and `right_system`, and its study's status now as `study_status`.
    With `counts_of` (a rater whose row an earlier statement of this transaction locked), also
    that rater's pairs served and voted, as `lock_rater` counts them, as `rater_counts`."""
    n = len(_columns(Assignment)[0])
    params = [Assignment.State.VOTED.value, counts_of] if counts_of is not None else []
    row = _one(assignment_for_vote_sql(counts_of is not None), [*params, token])
    if row is None:
        return None
    assignment = hydrate(Assignment, row[:n])
    for name, value in zip(
        ("left_id", "right_id", "left_system", "right_system", "study_status"), row[n : n + 5], strict=True
    ):
        setattr(assignment, name, value)  # the extra columns, carried on the instance
    if counts_of is not None:
        assignment.rater_counts = (int(row[n + 5]), int(row[n + 6]))  # type: ignore[attr-defined]
    return assignment


_PAIR_TEXTS = (
    "p.text, p.turns, COALESCE(NULLIF(l.masked_text, ''), l.text),"
    " COALESCE(NULLIF(r.masked_text, ''), r.text),"
    " rp.rules, rp.html, rp.turns_html, rl.rules, rl.html, rr.rules, rr.html"
    f" FROM {Comparison._meta.db_table} c"
    f" JOIN {Prompt._meta.db_table} p ON p.id = c.prompt_id"
    f" JOIN {Response._meta.db_table} l ON l.id = c.left_response_id"
    f" LEFT JOIN {Response._meta.db_table} r ON r.id = c.right_response_id"
    f" LEFT JOIN {RenderedPrompt._meta.db_table} rp ON rp.prompt_id = p.id"
    f" LEFT JOIN {RenderedResponse._meta.db_table} rl ON rl.response_id = l.id"
    f" LEFT JOIN {RenderedResponse._meta.db_table} rr ON rr.response_id = r.id"
)


def pair_texts(
    comparison_id: int,
) -> tuple[str, list, str, str | None, str | None, list | None, str | None, str | None]:
    """The prompt's text and turns, the stored left and right responses' texts as raters see
    them (masked where they reveal their author, comparisons/reveal.py), and the HTML rendered
    ahead for each (raters.services.render_ahead): None where it is missing or was made under
    rules other than raters.rendering.RULES. A rating item's right text is None."""
    return _texts(_row(f"SELECT {_PAIR_TEXTS} WHERE c.id = %s", [comparison_id]))


def _texts(row: tuple[Any, ...]) -> tuple[str, list, str, str | None, str | None, list | None, str | None, str | None]:
    prompt, turns, left, right, p_rules, p_html, p_turns, l_rules, l_html, r_rules, r_html = row
    current = rendering.RULES
    turns = _json(turns) or []
    return (
        prompt,
        turns,
        left,
        right,
        p_html if p_rules == current else None,
        _json(p_turns) if p_rules == current else None,
        l_html if l_rules == current else None,
        r_html if r_rules == current else None,
    )


def lease_insert(assignment: Assignment) -> Assignment:
    """INSERT a new lease (as `insert`); on PostgreSQL its pair's texts come back from the
    same statement (the INSERT in a WITH clause) and are carried on it as `texts`, the
    value of `pair_texts` (raters.selectors.pair_for reads them from there)."""
    if connection.vendor != "postgresql":
        return insert(assignment)
    sql_, values = _insert_values(assignment)
    row = _row(
        f"WITH a AS ({sql_}) SELECT (SELECT id FROM a), {_PAIR_TEXTS} WHERE c.id = %s",
        [*values, assignment.comparison_id],
    )
    assignment.texts = _texts(row[1:])  # type: ignore[attr-defined]
    return _inserted(assignment, row[0])


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


@cache
def _insert_sql(model: type[Model], with_pk: bool, vendor: str) -> tuple[tuple[Field[Any, Any], ...], str]:
    """The fields an INSERT of `model` writes (the primary key only `with_pk`) and its SQL."""
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if with_pk or not f.primary_key)
    quote = connection.ops.quote_name
    sql_ = (
        f"INSERT INTO {meta.db_table} ({', '.join(quote(_column(f)) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning = connection.features.can_return_columns_from_insert
    return fields, sql_ + (f" RETURNING {meta.pk.column}" if returning else "")


def _insert_values(obj: Model) -> tuple[str, list[Any]]:
    """The INSERT statement of `obj` and its parameters, as Model.save() prepares them."""
    with_pk = obj.pk is not None
    fields, sql_ = _insert_sql(type(obj), with_pk, connection.vendor)
    return sql_, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _inserted(obj: M, pk: Any) -> M:
    if obj.pk is None:
        obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def insert(obj: M) -> M:
    """INSERT a new instance as Model.save() would (each field's pre_save, so defaults and
    auto_now_add apply, then get_db_prep_save), without the ORM's compile step; sets its pk.
    No signals are sent (none are connected to the rater models)."""
    sql_, values = _insert_values(obj)
    with connection.cursor() as cursor:
        cursor.execute(sql_, values)
        pk = cursor.fetchone()[0] if connection.features.can_return_columns_from_insert else cursor.lastrowid
    return _inserted(obj, pk)


def vote_insert(vote: Vote) -> Vote:
    """INSERT the vote (as `insert`) and mark its assignment voted: one statement on
    PostgreSQL (the INSERT in a WITH clause), two elsewhere."""
    assert vote.assignment_id is not None, "a vote of the rater path names its assignment"
    if connection.vendor != "postgresql":
        insert(vote)
        assignment_set_state(vote.assignment_id, Assignment.State.VOTED)
        return vote
    sql_, values = _insert_values(vote)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v AS ({sql_}) UPDATE {_ASSIGNMENT} SET state = %s WHERE id = %s RETURNING (SELECT id FROM v)",
            [*values, Assignment.State.VOTED.value, vote.assignment_id],
        )
        pk = cursor.fetchone()[0]
    return _inserted(vote, pk)


def assignment_set_state(assignment_id: int, state: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_ASSIGNMENT} SET state = %s WHERE id = %s", [state, assignment_id])
