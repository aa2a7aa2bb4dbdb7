"""Writing many new rows at once: PostgreSQL's COPY (psycopg 3's `cursor.copy`, rows streamed
with `write_row`) where the database is PostgreSQL, Django's `bulk_create` elsewhere (the
embedded SQLite default).

COPY writes the same rows `bulk_create` writes: each field's value comes from the same
`pre_save` (defaults, auto_now_add) and `get_db_prep_save` (JSON, dates) that `Model.save()`
and `bulk_create` use, in the caller's transaction, so a failure anywhere later rolls the
COPY back with everything else (all or nothing). COPY returns no ids: with `ids=True` the
primary keys are drawn from the table's sequence first (one statement for all rows), in
ascending order, as `bulk_create` would have numbered them, and set on the instances.
No signals are sent (bulk_create sends none either).

`insert_values` writes rows given as plain values, without a model instance per row (an
upload's 100,000 responses): the values given are of each field's Python type (a foreign
key's id under its attname), JSON fields are written as the ORM writes them (json.dumps's
text; with an encoder, the ORM's own adaptation), and every field
not given takes its default or, for auto_now / auto_now_add, one timestamp for all rows (the
rows are written in one transaction). Its rows go to COPY BATCH at a time as text made a column
at a time (comparisons/services/copy_text.py: the bytes `write_row` would send), and may be made
while COPY runs (`Rows`: PostgreSQL writes one batch while the caller makes the next). A thread
sends them, in COPY statements of STATEMENT_ROWS rows whose foreign keys PostgreSQL checks as
each one ends rather than at COMMIT (comparisons/services/copy_sender.py), so that PostgreSQL
checks the rows sent while this process makes the next."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from json import JSONEncoder, dumps
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, Protocol, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import JSONField, Model
from psycopg.adapt import Transformer

from comparisons.services.copy_sender import CopySender, foreign_keys_checked_per_statement
from comparisons.services.copy_text import ColumnFormatter

M = TypeVar("M", bound=Model)
BATCH = 2000  # bulk_create's batch on other databases
STATEMENT_ROWS = 10_000  # insert_values' rows per COPY statement (a multiple of BATCH)


class Rows(Protocol):
    """Rows of values that know how many they are: a list, or rows made while COPY sends the
    ones before (comparisons.services.outputs masks responses so, while PostgreSQL writes)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Sequence[Any]]: ...


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


def json_dumper() -> Callable[[Any], str]:
    """`json.dumps` with its defaults, made once for many values: `dumps` builds its C encoder
    anew on every call, which costs more than encoding a small object (an upload's metadata).
    The same text, the same errors (a value the encoder refuses is dumped again by `dumps`,
    which raises); `dumps` itself where the C encoder is missing."""
    if c_make_encoder is None:
        return dumps
    default = JSONEncoder().default
    # (markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys, allow_nan)
    encode = c_make_encoder({}, default, encode_basestring_ascii, None, ": ", ", ", False, False, True)

    def dump(value: Any) -> str:
        nonlocal encode
        try:
            return "".join(encode(value, 0))
        except Exception:
            # the circular-reference markers may hold the failed value's containers: start anew
            encode = c_make_encoder({}, default, encode_basestring_ascii, None, ": ", ", ", False, False, True)
            return dumps(value)  # raises as json.dumps does

    return dump


def _next_ids(table: str, column: str, n: int) -> list[int]:
    """`n` new ids from the column's sequence, ascending (the sequence looked up once, not per
    row: 0.15 -> 0.02 s for 50,000 ids)."""
    with connection.cursor() as cursor:
        cursor.execute(
            # (OFFSET 0: the subquery is not pulled up, so its lookup is not made again per row)
            "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq OFFSET 0) s,"
            " generate_series(1, %s)",
            [table, column, n],
        )
        return sorted(int(row[0]) for row in cursor.fetchall())


def _json_field(value: Any, encoder: type[JSONEncoder] | None, adapt: Callable, dump: Callable[[Any], str]) -> Any:
    """A JSON field's value as the ORM sends it (`adapt`: the backend's adapt_json_value);
    without an encoder, as JSON text: what Jsonb(value, dumps=json.dumps) sends (an empty list
    or object not dumped again for every row)."""
    if value is None:
        return None
    if encoder is not None:
        return adapt(value, encoder)
    return "[]" if value == [] else "{}" if value == {} else dump(value)


def insert_values(
    model: type[Model],
    attnames: Sequence[str],
    rows: Rows,
    *,
    ids: bool = False,
    progress: Callable[[int], None] | None = None,
    meanwhile: Iterable[object] = (),
) -> list[int]:
    """INSERT `rows`, each the values of the fields `attnames` in that order; the others take
    their defaults (see the module's docstring). Returns the new rows' primary keys, in order,
    with `ids` (else []). `progress` as for `insert_rows`, counting the rows handed to the thread
    that sends them (all of them are written, or none, when the call returns); it must not use
    the database (the thread holds the connection: the upload job's writes to the cache). `meanwhile`: steps
    of the caller's own work (no database), taken one at a time once all rows are handed over,
    while PostgreSQL still writes them, until it is done (the rest are not taken)."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        insert_rows(model, objs, progress=progress)
        return [int(obj.pk) for obj in objs] if ids else []
    meta = model._meta
    conn = connections[DEFAULT_DB_ALIAS]
    by_attname = {f.attname: f for f in meta.concrete_fields}
    given = [by_attname[name] for name in attnames]
    template = model()
    rest = [f for f in meta.concrete_fields if f.attname not in attnames and not f.primary_key]
    constants = [f.get_db_prep_save(f.pre_save(template, True), conn) for f in rest]
    json_at = [i for i, f in enumerate(given) if isinstance(f, JSONField)]
    adapt = conn.ops.adapt_json_value  # what JSONField.get_db_prep_save ends in
    encoders = {i: given[i].encoder for i in json_at}  # type: ignore[attr-defined]  # JSONField's
    fields = given + rest
    dump = json_dumper()

    pks: list[int] = []
    if ids:
        assert meta.pk is not None and meta.pk.column is not None, "a concrete model has a primary key column"
        pks = _next_ids(meta.db_table, meta.pk.column, len(rows))
        fields = [meta.pk, *fields]
    quote = conn.ops.quote_name
    statement = f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields if f.column)}) FROM STDIN"
    # One transaction (a savepoint inside the caller's): the several COPY statements are all
    # written or none, even where the caller has none open, and a failure undoes the keys' mode.
    with transaction.atomic(using=DEFAULT_DB_ALIAS), conn.cursor() as cursor, conn.wrap_database_errors:
        raw = cursor.cursor
        formatter = ColumnFormatter(Transformer.from_context(raw), raw.connection.info.encoding)
        suffix = "".join("\t" + field for field in formatter.column(constants)) + "\n"
        done, batches = 0, iter(rows)
        # (copy_sender.py: PostgreSQL writes and checks a statement's rows while the next are made)
        with foreign_keys_checked_per_statement(raw, meta.db_table), CopySender(raw, statement) as copy:
            while batch := list(islice(batches, BATCH)):
                columns = [list(column) for column in zip(*batch, strict=True)]
                for at in json_at:
                    encoder = encoders[at]
                    columns[at] = [_json_field(value, encoder, adapt, dump) for value in columns[at]]
                texts = [formatter.column(column) for column in columns]
                if ids:
                    texts.insert(0, list(map(str, pks[done : done + len(batch)])))
                copy.write("".join([f"{line}{suffix}" for line in map("\t".join, zip(*texts, strict=True))]))
                done += len(batch)
                if done % STATEMENT_ROWS == 0 and done < len(rows):
                    copy.next_statement()
                if progress:
                    progress(done)
            copy.close()
            _while_sending(copy, meanwhile)
    return pks


def _while_sending(copy: CopySender, steps: Iterable[object]) -> None:
    """Take `steps` one at a time until `copy`'s thread is done."""
    for _ in steps:
        if not copy.sending():
            return
