"""Columns of fixed-width numbers from PostgreSQL straight into numpy: a binary COPY read in
chunks and viewed as a structured array, never a Python object per row.

PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html,
"Binary Format"): a 19-byte header (signature, flags, header-extension length 0), then per
row a 16-bit field count and per field a 32-bit length and the value in network byte order,
then a 16-bit -1. With every field NOT NULL and of a fixed width (bigint, integer, boolean),
every row has the same size, so the whole body is one big-endian structured array."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.db import connection

if TYPE_CHECKING:
    from psycopg import sql

HEADER = b"PGCOPY\n\xff\r\n\x00"
HEADER_SIZE = 19
WIDTHS = {"int8": ">i8", "int4": ">i4", "bool": "?"}


def copy_columns(query: sql.Composable, columns: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Run `COPY (query) TO STDOUT (FORMAT BINARY)` and return each column as a native
    numpy array (int64 for int8 and int4, bool for bool). `columns` are (name, one of
    WIDTHS) in the query's order; every value must be NOT NULL (coalesce in the query)."""
    from psycopg import sql  # noqa: PLC0415  (only the PostgreSQL path needs it)

    fields: list[tuple[str, str]] = [("n_fields", ">i2")]
    for name, kind in columns:
        fields += [(f"{name}__len", ">i4"), (name, WIDTHS[kind])]
    row = np.dtype(fields)
    chunks: list[bytes] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(query)) as copy:
            chunks.extend(bytes(chunk) for chunk in copy)
    body = b"".join(chunks)
    if not body.startswith(HEADER):
        raise ValueError("not a binary COPY stream")
    n_rows, rest = divmod(len(body) - HEADER_SIZE - 2, row.itemsize)
    if rest:
        raise ValueError("a binary COPY row of an unexpected width (a NULL or a variable-width column?)")
    table = np.frombuffer(body, dtype=row, count=n_rows, offset=HEADER_SIZE)
    if n_rows and (
        (table["n_fields"] != len(columns)).any()
        or any((table[f"{name}__len"] != row[name].itemsize).any() for name, _ in columns)
    ):
        raise ValueError("a binary COPY row with a NULL or an unexpected field")
    return {name: table[name].astype(np.bool_ if kind == "bool" else np.int64) for name, kind in columns}
