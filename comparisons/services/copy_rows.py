"""Writing many new rows at once: PostgreSQL's COPY (psycopg 3's `cursor.copy`, rows streamed
with `write_row`) where the database is PostgreSQL, Django's `bulk_create` elsewhere (the
embedded SQLite default).

COPY writes the same rows `bulk_create` writes: each field's value comes from the same
`pre_save` (defaults, auto_now_add) and `get_db_prep_save` (JSON, dates) that `Model.save()`
and `bulk_create` use, in the caller's transaction, so a failure anywhere later rolls the
COPY back with everything else (all or nothing). COPY returns no ids: with `ids=True` the
primary keys are drawn from the table's sequence first (one statement for all rows), in
ascending order, as `bulk_create` would have numbered them, and set on the instances.
No signals are sent (bulk_create sends none either)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)
BATCH = 2000  # bulk_create's batch on other databases


def insert_rows(
    model: type[M], objs: Sequence[M], *, ids: bool = False, progress: Callable[[int], None] | None = None
) -> None:
    """INSERT the unsaved instances `objs` of `model` (their pk unset). With `ids`, their pks
    are set afterwards (bulk_create sets them on PostgreSQL and SQLite alike). `progress` is
    called with the number of rows written so far after every BATCH rows and at the end."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        for start in range(0, len(objs), BATCH):
            model.objects.bulk_create(objs[start : start + BATCH])  # type: ignore[attr-defined]
            if progress:
                progress(min(len(objs), start + BATCH))
        return
    meta = model._meta
    if ids:
        assert meta.pk is not None and meta.pk.column is not None, "a concrete model has a primary key column"
        for obj, pk in zip(objs, _next_ids(meta.db_table, meta.pk.column, len(objs)), strict=True):
            obj.pk = pk
    fields = [f for f in meta.concrete_fields if not (f.primary_key and not ids)]
    conn = connections[DEFAULT_DB_ALIAS]  # the connection itself: `connection` is a proxy, looked up on each use
    quote = conn.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields if f.column)
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    # wrap_database_errors: psycopg's errors raised as Django's (IntegrityError, ...), as the ORM does
    with conn.cursor() as cursor, conn.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for i, obj in enumerate(objs, start=1):
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields])
            if progress and (i % BATCH == 0 or i == len(objs)):
                progress(i)
    for obj in objs:
        obj._state.adding, obj._state.db = False, conn.alias


def _next_ids(table: str, column: str, n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, n])
        return sorted(int(row[0]) for row in cursor.fetchall())
