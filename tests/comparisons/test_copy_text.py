"""COPY's text made a column at a time (comparisons/services/copy_text.py) is byte for byte what
psycopg's `write_row` sends for the same rows: random and hostile strings (every control
character, backslashes, non-ASCII), integers, None, and values of other types (booleans, dates,
decimals, floats, UUIDs, JSON adapted by psycopg)."""

from __future__ import annotations

import datetime
import decimal
import random
import uuid
from typing import Any

import pytest
from django.db import DataError, connection
from psycopg._copy_base import TextFormatter
from psycopg.adapt import Transformer
from psycopg.types.json import Jsonb

from comparisons.services.copy_text import ColumnFormatter

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

CHARS = [chr(c) for c in range(1, 32)] + ["\\", "\\N", "a", " ", "é", "中", "🙂", "\x7f", "\u2028", "\\.", "N"]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 12)))


def _other(rng: random.Random) -> Any:
    return rng.choice(
        [
            True,
            False,
            datetime.datetime(2026, 12, 1, 6, 0, 0, 123456, tzinfo=datetime.UTC),
            datetime.date(2026, 12, 1),
            decimal.Decimal("1.50"),
            0.1 + 0.2,
            -0.0,
            uuid.UUID(int=rng.getrandbits(128)),
            Jsonb({"k\t": ["v\n", 1.5, None]}),
            2**70,
        ]
    )


def _write_row_bytes(rows: list[list[Any]], tx: Any) -> bytes:
    formatter = TextFormatter(Transformer.from_context(tx))
    data = b"".join(bytes(formatter.write_row(row)) for row in rows)
    return data + bytes(formatter.end())


def _column_bytes(rows: list[list[Any]], formatter: ColumnFormatter) -> bytes:
    columns = [formatter.column(list(column)) for column in zip(*rows, strict=True)]
    return "".join("\t".join(fields) + "\n" for fields in zip(*columns, strict=True)).encode(formatter.encoding)


def _formatter() -> tuple[ColumnFormatter, Any]:
    connection.ensure_connection()
    raw = connection.connection
    return ColumnFormatter(Transformer.from_context(raw), raw.info.encoding), raw


def test_columns_are_the_bytes_write_row_sends():
    formatter, raw = _formatter()
    rng = random.Random(21)
    kinds = ["str", "int", "str or none", "other", "mixed"]
    for _ in range(300):
        rows: list[list[Any]] = [[] for _ in range(rng.randint(1, 40))]
        for kind in rng.sample(kinds, rng.randint(1, len(kinds))):
            for row in rows:
                value = {
                    "str": lambda: _text(rng),
                    "int": lambda: rng.randint(-(2**63), 2**63),
                    "str or none": lambda: rng.choice([None, _text(rng)]),
                    "other": lambda: _other(rng),
                    "mixed": lambda: rng.choice([None, _text(rng), rng.randint(-5, 5), _other(rng)]),
                }[kind]()
                row.append(value)
        assert _column_bytes(rows, formatter) == _write_row_bytes(rows, raw), rows


def test_a_column_of_long_texts_with_every_escape_is_the_bytes_write_row_sends():
    formatter, raw = _formatter()
    texts = [[("line\n\ttab \\ back\r\x08\x0b\x0c é🙂 " * 50) + str(i)] for i in range(2000)]
    assert _column_bytes(texts, formatter) == _write_row_bytes(texts, raw)


def test_a_text_with_a_nul_is_refused_as_write_row_refuses_it():
    formatter, raw = _formatter()
    with pytest.raises(DataError) as by_write_row, connection.wrap_database_errors:
        _write_row_bytes([["a\x00b"]], raw)
    with pytest.raises(DataError) as by_column, connection.wrap_database_errors:
        formatter.column(["fine", "a\x00b"])
    assert str(by_column.value) == str(by_write_row.value)
