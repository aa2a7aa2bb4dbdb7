"""Turn an upload body (JSON array or JSON Lines) into a list of raw rows.

Row numbers are 1-based: the position in a JSON array, or the line number in JSON Lines
(blank lines are skipped but still counted, so the number matches an editor's)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from comparisons.errors import InvalidInput, RowError
from comparisons.text import JSONRefused, json_text_clean, loads_strict, needs_number_checks

JSON = "json"
JSONL = "jsonl"
MAX_DEPTH = 32  # a row inside a JSON array is one level deeper


@dataclass
class Parsed:
    rows: list[tuple[int, object]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    texts_clean: bool = False  # no string in the body can hold a refused character (text.json_text_clean)


def decode(data: bytes, *, field_name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{field_name} is not UTF-8 text",
            [RowError(None, field_name, f"is not UTF-8 text (byte {exc.start})")],
        ) from exc


def parse_rows(text: str, *, fmt: str, field_name: str, max_rows: int) -> Parsed:
    """Parse `text` as `fmt`; malformed JSON Lines are reported per line, not fatal."""
    parsed = Parsed(texts_clean=json_text_clean(text))
    if fmt == JSON:
        try:
            data = loads_strict(text, max_depth=MAX_DEPTH + 1)
        except (JSONRefused, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, JSONRefused) else f"is nested more than {MAX_DEPTH} levels deep"
            raise InvalidInput(f"{field_name} is not accepted: {reason}", [RowError(None, field_name, reason)]) from exc
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"{field_name} is not valid JSON",
                [RowError(None, field_name, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")],
            ) from exc
        if not isinstance(data, list):
            raise InvalidInput(
                f"{field_name} must be a JSON array of rows",
                [RowError(None, field_name, 'must be a JSON array of rows, e.g. [{"prompt_id": ...}]')],
            )
        _check_count(len(data), field_name=field_name, max_rows=max_rows)
        parsed.rows = list(enumerate(data, start=1))
        return parsed
    lines = text.splitlines()
    _check_count(sum(1 for line in lines if line.strip()), field_name=field_name, max_rows=max_rows)
    number_checks = needs_number_checks(text)  # once for the body, not per line
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed.rows.append((number, loads_strict(line, number_checks=number_checks)))
        except (JSONRefused, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, JSONRefused) else f"is nested more than {MAX_DEPTH} levels deep"
            parsed.errors.append(RowError(number, "row", reason))
        except json.JSONDecodeError as exc:
            parsed.errors.append(RowError(number, "row", f"invalid JSON: {exc.msg} (column {exc.colno})"))
    return parsed


def _check_count(count: int, *, field_name: str, max_rows: int) -> None:
    if count == 0:
        raise InvalidInput("no rows to upload", [RowError(None, field_name, "contains no rows")])
    if count > max_rows:
        raise InvalidInput(
            f"too many rows: {count}; the limit per request is {max_rows}",
            [
                RowError(
                    None, field_name, f"has {count} rows; the limit per request is {max_rows} (LIMA_UPLOAD_MAX_ROWS)"
                )
            ],
        )
