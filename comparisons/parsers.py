"""Parsers that hand the upload view the raw body, so that rows are parsed (and bad JSON
Lines reported per line) by comparisons.ingest.parse rather than failing as a whole."""

from __future__ import annotations

from rest_framework.parsers import BaseParser


class RawJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read() if stream is not None else b""


class NDJSONParser(RawJSONParser):
    media_type = "application/x-ndjson"


class JSONLinesParser(RawJSONParser):
    media_type = "application/jsonl"
