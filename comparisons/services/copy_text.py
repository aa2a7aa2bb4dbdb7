"""COPY's text format made a column at a time: the bytes psycopg's `Copy.write_row` sends, for
many rows, in fewer Python steps.

`write_row` dumps each value with its dumper (a string as its encoded text, an integer as its
digits, None as `\\N`, anything else by psycopg's dumper for its type) and escapes backslash,
backspace, tab, newline, vertical tab, form feed and carriage return in it (psycopg's
`_copy_base._dump_re`). Here the strings of a column are joined by a NUL (which no text value
can hold: PostgreSQL's text refuses it, and psycopg's dumper raises on it), escaped with one
`str.replace` per character that occurs, and split again; integers are their digits; any other
value, and a string holding a NUL, goes through psycopg's own dumper, as `write_row` sends it
(tests/comparisons/test_copy_text.py holds the two to the same bytes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from psycopg.abc import Transformer
from psycopg.adapt import PyFormat

NULL = "\\N"
SEPARATOR = "\x00"
ESCAPES = (("\\", "\\\\"), ("\b", "\\b"), ("\t", "\\t"), ("\n", "\\n"), ("\v", "\\v"), ("\f", "\\f"), ("\r", "\\r"))
_ESCAPE = re.compile("[\\\\\b\t\n\v\f\r]")
_ESCAPED = dict(ESCAPES)


class ColumnFormatter:
    """Values to COPY text, as the cursor's `write_row` would send them."""

    def __init__(self, transformer: Transformer, encoding: str) -> None:
        self.transformer, self.encoding = transformer, encoding

    def column(self, values: Sequence[Any]) -> list[str]:
        """Each of `values` as a field of COPY's text format."""
        types = set(map(type, values))
        if types == {str}:
            return self.escaped(list(values))
        if types == {int}:  # (not bool: psycopg writes it t / f)
            return list(map(str, values))
        texts = [None if v is None else v if type(v) is str else self.dumped(v) for v in values]
        at = [i for i, text in enumerate(texts) if text is not None]
        fields = [NULL] * len(values)
        for i, field in zip(at, self.escaped([text for text in texts if text is not None]), strict=True):
            fields[i] = field
        return fields

    def dumped(self, value: Any) -> str | None:
        """`value` as psycopg's dumper writes it in text, before COPY's escapes (None: NULL)."""
        data = self.transformer.get_dumper(value, PyFormat.TEXT).dump(value)
        return None if data is None else bytes(data).decode(self.encoding)

    def escaped(self, texts: list[str]) -> list[str]:
        if not texts:
            return []
        joined = SEPARATOR.join(texts)
        if joined.count(SEPARATOR) != len(texts) - 1:  # a NUL: psycopg's dumper raises as write_row would
            return [_ESCAPE.sub(lambda m: _ESCAPED[m.group()], self.dumped(text) or "") for text in texts]
        for char, escape in ESCAPES:  # (the backslash first)
            if char in joined:
                joined = joined.replace(char, escape)
        return joined.split(SEPARATOR)
