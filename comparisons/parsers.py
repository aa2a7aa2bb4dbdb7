"""Parsers that hand the upload view the raw body, so that rows are parsed (and bad JSON
Lines reported per line) by comparisons.ingest.parse rather than failing as a whole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.parsers import BaseParser


class RawJSONParser(BaseParser):
    media_type = "application/json"

    def parse(  # type: ignore[override]  # the raw body, on purpose: comparisons.ingest.parse reads the rows
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> bytes:
        return stream.read() if stream is not None else b""


class NDJSONParser(RawJSONParser):
    media_type = "application/x-ndjson"


class JSONLinesParser(RawJSONParser):
    media_type = "application/jsonl"
