"""Columns of fixed-width numbers from PostgreSQL straight into numpy, never a Python object
per row.

PostgreSQL aggregates each column into one binary string of its values in network byte
order (`string_agg(int8send(x), '')`: the `*send` functions are the types' binary output, the
same bytes a binary COPY carries, https://www.postgresql.org/docs/current/xtypes.html), and the
one row comes back in binary, so each column is a single `np.frombuffer`. A binary COPY sends
the same bytes, but psycopg hands them over one row at a time (libpq's PQgetCopyData): at a
million rows that loop costs the client about 2 s of CPU, against a few milliseconds here. All
columns of one query are aggregated over the same rows in the same order (one scan)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np
from django.db import connection, transaction
from psycopg import sql

from results.planner import planner_applied

# type -> (the SQL that sends a value, its numpy dtype as sent, the native dtype returned)
KINDS = {
    "int8": ("int8send(({})::int8)", ">i8", np.int64),
    "int4": ("int4send(({})::int4)", ">i4", np.int64),
    "bool": ("int2send(({})::int::int2)", ">i2", np.bool_),
    "float8": ("float8send(({})::float8)", ">f8", np.float64),
}


def fetch_columns(
    source: sql.Composable,
    columns: list[tuple[str, str, str]],
    extra: sql.Composable | None = None,
    planner: dict[str, str] | None = None,
) -> tuple[dict[str, np.ndarray], tuple[Any, ...]]:
    """``select <each column aggregated> <source>`` (source: "from ... where ..."), each column
    (name, SQL expression, kind in KINDS) as a native numpy array in the rows' common order,
    and the values of ``extra`` (scalar expressions, comma-separated), selected in the same
    statement and so seen in the same snapshot of the database. Expressions must be NOT NULL
    (coalesce them).

    ``planner``: settings (name -> value) for this statement alone, where the caller knows the
    access path better than PostgreSQL's estimates (results.loading: a small study's votes): set
    with ``set_config(..., true)`` (SET LOCAL) in a transaction around it, and set back to what
    they were after it (a caller's transaction keeps a SET LOCAL to its end otherwise)."""
    with transaction.atomic() if planner else nullcontext(), connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with planner_applied(raw, planner):
            raw.execute(columns_query(source, columns, extra), binary=True)
            row = raw.fetchone()
    out: dict[str, np.ndarray] = {}
    for (name, _expr, kind), data in zip(columns, row[: len(columns)], strict=True):
        _send, wire, native = KINDS[kind]
        out[name] = np.frombuffer(data or b"", dtype=wire).astype(native)
    return out, tuple(row[len(columns) :])


def columns_query(
    source: sql.Composable, columns: list[tuple[str, str, str]], extra: sql.Composable | None = None
) -> sql.Composable:
    """The statement `fetch_columns` sends (for a test to EXPLAIN it)."""
    parts: list[sql.Composable] = [
        sql.SQL("string_agg({}, ''::bytea)").format(sql.SQL(KINDS[kind][0]).format(sql.SQL(expr)))
        for _name, expr, kind in columns
    ]
    if extra is not None:
        parts.append(extra)
    return sql.SQL("select {} {}").format(sql.SQL(", ").join(parts), source)
