"""DRF's JSON parser and pagination, made strict (issue 11): a body that is not JSON, holds
NaN/Infinity, a huge integer or deep nesting, or text that `comparisons.text` refuses, is a
400 in the API's one error shape naming the field; a `limit`/`offset` that is not a
non-negative integer is a 400, and `limit` is capped."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import BaseParser
from rest_framework.request import Request

from comparisons.text import MAX_DEPTH, JSONRefused, loads_strict, text_problems

MAX_PAGE = 1000


class StrictJSONParser(BaseParser):
    """application/json through `comparisons.text.loads_strict`, then every string checked."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        try:
            data = loads_strict(raw)
        except UnicodeDecodeError as exc:
            raise exceptions.ValidationError({"body": [f"is not UTF-8 text (byte {exc.start})"]}) from exc
        except JSONRefused as exc:
            raise exceptions.ValidationError({"body": [str(exc)]}) from exc
        except RecursionError as exc:
            raise exceptions.ValidationError({"body": [f"is nested more than {MAX_DEPTH} levels deep"]}) from exc
        except json.JSONDecodeError as exc:
            raise exceptions.ValidationError(
                {"body": [f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]}
            ) from exc
        problems = dict(text_problems(data, ""))
        if problems:
            raise exceptions.ValidationError({field or "body": [reason] for field, reason in problems.items()})
        return data


def _non_negative(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise exceptions.ValidationError({name: ["must be a whole number, 0 or more"]})
    return int(value)


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """LimitOffsetPagination whose bad `limit`/`offset` is a 400 (DRF ignores it), with
    `limit` capped at MAX_PAGE (a huge limit was a `bigint out of range` 500)."""

    max_limit = MAX_PAGE

    def get_limit(self, request: Request) -> int | None:
        limit = _non_negative(request, self.limit_query_param)
        if limit is None:
            return self.default_limit
        if limit == 0:
            raise exceptions.ValidationError({self.limit_query_param: ["must be 1 or more"]})
        return min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return _non_negative(request, self.offset_query_param) or 0
