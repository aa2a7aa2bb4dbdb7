"""Planner settings for one statement, where the caller knows the access path better than
PostgreSQL's estimates, and when a study's votes are read through the rater index. No numpy here:
the votes export (results.export) uses it, and the URL configuration imports the export."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from psycopg import sql

# A study whose votes are fewer than this share of the votes table's rows reads them through the
# rater index (RATER_INDEX_PLANNER), whatever the planner estimates: a study's raters that are not
# among the rater column's most common values were estimated at 374,742 votes for the 10,005 of a
# 10k study beside a 1M one, and the whole table (1,010,010 votes) was scanned: 98-128 ms, against
# 2.5-3.1 ms for the same statement as one bitmap scan of the index. A larger share is left to
# the planner: for the 1M study itself (99% of the table) the bitmap scan took 207-222 ms against
# the scan's 180 ms (two columns in psql; docs/benchmarks.md, "On session 11's VM").
RATER_INDEX_MAX_SHARE = 0.5
# No scan of the table (the rater index's bitmap is left: each page read once, in order), and no
# JIT compilation: the overestimate grows the statement's cost with the table (30,632 for the 10k
# study beside 1M votes), and past jit_above_cost (100,000) PostgreSQL compiles it: 63-68 ms for a
# read that ran in 6 ms, in a first version costed at 1.45M.
RATER_INDEX_PLANNER = {"enable_seqscan": "off", "jit": "off"}


def through_rater_index(rater_ids: sql.Composable) -> bool:
    """Whether the votes of the raters ``rater_ids`` (a literal array) are read through the rater
    index: their count from the vote counters, the table's rows as PostgreSQL's planner estimates
    them, the density its statistics saw (pg_class's reltuples per page, kept by VACUUM and
    ANALYZE) times the pages it has now, so that statistics taken while the table was smaller
    (ANALYZE lags behind the votes) do not count a small study as most of it; reltuples -1
    (never counted) leaves it to the planner."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper (a composed statement)
        raw.execute(
            sql.SQL(
                "select coalesce(sum(votes), 0)::float8,"
                " (select case when reltuples > 0 and relpages > 0"
                " then reltuples / relpages * (pg_relation_size(oid) / current_setting('block_size')::float8)"
                " else reltuples end from pg_class where oid = 'raters_vote'::regclass)::float8"
                " from results_ratervotecount where rater_id = any({}::bigint[])"
            ).format(rater_ids)
        )
        voted, table = raw.fetchone()
    return bool(voted < RATER_INDEX_MAX_SHARE * table)


@contextmanager
def planner_applied(raw: Any, planner: dict[str, str] | None) -> Iterator[None]:
    """``planner`` (settings, name -> value; None or empty: nothing) set on the psycopg cursor
    ``raw``'s connection for the statements run inside, and set back to what they were after
    them. The caller holds a transaction around it (the settings are SET LOCAL); on an error
    inside, that transaction's rollback sets them back."""
    if not planner:
        yield
        return
    raw.execute(
        sql.SQL("select {}").format(
            sql.SQL(", ").join(sql.SQL("current_setting({})").format(sql.Literal(k)) for k in planner)
        )
    )
    before = dict(zip(planner, raw.fetchone(), strict=True))
    raw.execute(planner_settings(planner))
    yield
    raw.execute(planner_settings(before))


def planner_settings(planner: dict[str, str]) -> sql.Composable:
    """The statement that sets ``planner`` (name -> value) to the end of the transaction."""
    return sql.SQL("select {}").format(
        sql.SQL(", ").join(
            sql.SQL("set_config({}, {}, true)").format(sql.Literal(k), sql.Literal(v)) for k, v in planner.items()
        )
    )
