"""One validation for text that reaches the database, and a strict JSON reader.

Text is refused when it holds a NUL (PostgreSQL's text type cannot store U+0000), a lone
surrogate (U+D800-U+DFFF: not encodable as UTF-8, so neither storable nor exportable), or a
bidirectional control character (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), which
can make one text display as another (CVE-2021-42574, "Trojan Source"; Unicode TR#9).

JSON is refused when it holds NaN or Infinity (not JSON: RFC 8259 section 6), an integer of
more than `MAX_INT_DIGITS` digits (CPython's own int/str limit is 4300; stored integers are
int64), or nesting deeper than `MAX_DEPTH`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import orjson

from comparisons.errors import InvalidInput, RowError

BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
SURROGATES = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 32
MAX_INT_DIGITS = 19  # int64 holds 19 digits; longer integers are refused before int() runs
INT64 = 2**63 - 1


_ANY_REFUSED = re.compile("[\x00\ud800-\udfff\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# In JSON text: a \u escape that may decode to a refused character (any surrogate, even of
# a valid pair). JSON text that holds neither such an escape nor a refused character as it is
# holds no string that `text_problem` refuses, keys included.
_REFUSED_ESCAPE = re.compile(r"\\u(?:0000|d[89a-f]|200[ef]|061c|202[a-e]|206[6-9])", re.IGNORECASE)


def json_text_clean(text: str) -> bool:
    """Whether no string inside the JSON `text` can hold a character `text_problem` refuses
    (one scan of the whole text; False means: check the strings one by one)."""
    refused = "\x00" in text if text.isascii() else _ANY_REFUSED.search(text) is not None
    return not refused and _REFUSED_ESCAPE.search(text) is None


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    if not _ANY_REFUSED.search(value):  # one scan for the usual case: nothing refused
        return None
    if "\x00" in value:
        return "must not contain NUL characters (U+0000)"
    if SURROGATES.search(value):
        return "must not contain unpaired surrogates (U+D800-U+DFFF): it is not valid Unicode text"
    if BIDI_CONTROLS.search(value):
        return (
            "must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)"
        )
    return None


def text_problems(value: Any, field: str) -> Iterator[tuple[str, str]]:
    """(field path, reason) for every string (key or value) inside a JSON value that
    `text_problem` refuses; paths look like `metadata.notes[2]`."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            yield field, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            problem = text_problem(key_text)
            if problem:
                yield field, f"has a key that {problem}"
                continue
            yield from text_problems(item, f"{field}.{key_text}" if field else key_text)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from text_problems(item, f"{field}[{index}]")


class JSONRefused(ValueError):
    """Valid-looking JSON that lima-eval does not accept (NaN, a huge integer, deep nesting)."""


def _constant(name: str) -> Any:
    raise JSONRefused(f"{name} is not a JSON number; send null or a finite number")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS or abs(int(digits)) > INT64:
        raise JSONRefused(f"the integer {digits[:20]}... is out of range (at most 64-bit integers)")
    return int(digits)


def _float(digits: str) -> float:
    value = float(digits)
    if value in (float("inf"), float("-inf")):
        raise JSONRefused(f"the number {digits[:20]} is out of range")
    return value


# A JSON string (escapes included), or an unterminated one running to the end of the text.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings: the strings are cut out and only the
    brackets left are walked (both in C regular expressions; the Python loop sees brackets,
    not characters)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _depth_scan(text: str) -> int:
    """`_depth` as a character scan (the reference the tests hold `_depth` to)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


_STRICT = json.JSONDecoder(parse_constant=_constant, parse_int=_integer, parse_float=_float)
_PLAIN = json.JSONDecoder()
# Text without NaN, Infinity, 19 digits in a row or an exponent of 3 digits holds no number
# that _constant, _integer or _float refuse (an integer of at most 18 digits is within int64;
# at most 18 digits before an exponent of at most 2 digits cannot overflow a float), and json's
# own parsing of its numbers gives the same values. Found on the text's UTF-8 bytes with
# bytes.translate (every ASCII digit read as 0, E as e, + as -) and substring searches: a
# regular expression walks 10 times slower, str.translate 5 times. (A character outside ASCII
# is bytes of 0x80 and above in UTF-8, which the table keeps and the searches never match, so
# the bytes hold a shape exactly when the text does.)
_NUMBER_SHAPES = bytes.maketrans(b"123456789E+", b"00000000" + b"0e-")


def needs_number_checks(text: str | bytes) -> bool:
    """Whether `loads_strict` must check the numbers of `text` (or of any part of it)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if b"NaN" in data or b"Infinity" in data:
        return True
    shapes = data.translate(_NUMBER_SHAPES)
    return b"0" * 19 in shapes or b"e000" in shapes or b"e-000" in shapes


def loads_plain(text: str | bytes) -> Any:
    """`json.JSONDecoder().decode(text)` (bytes read as UTF-8) for a text in which
    `needs_number_checks` finds no number to check: the same value, or the same error.
    orjson parses it when it can (in C, 2-4 times faster); where orjson refuses the text (a
    lone surrogate, raw or escaped; anything that is not JSON) json parses it, so that what
    json takes and orjson refuses is still taken, and an error is json's, with its line and
    column. What orjson takes json takes too, as the same value (tests/comparisons/
    test_fast_json.py), for such a text: its numbers have at most 18 digits in a row and an
    exponent of at most 2 (orjson reads a larger integer as a float, where json keeps it)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _PLAIN.decode(text if isinstance(text, str) else text.decode("utf-8"))


def loads_strict(text: str | bytes, *, max_depth: int = MAX_DEPTH, number_checks: bool | None = None) -> Any:
    """json.loads that raises JSONRefused for NaN/Infinity, integers beyond int64 and nesting
    deeper than `max_depth`, and json.JSONDecodeError for text that is not JSON.
    `number_checks=False` says that `needs_number_checks` is false for a text holding this one
    (a caller parsing many lines of one body asks once)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    # (the depth is at most the number of brackets, strings' included)
    if text.count("[") + text.count("{") > max_depth and _depth(text) > max_depth:
        raise JSONRefused(f"is nested more than {max_depth} levels deep")
    if text.startswith("\ufeff"):  # as json.loads
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    if number_checks is None:
        number_checks = needs_number_checks(text)
    return _STRICT.decode(text) if number_checks else loads_plain(text)


def loads_field(text: str | bytes, *, field: str, row: int | None = None, max_depth: int = MAX_DEPTH) -> Any:
    """`loads_strict`, raising InvalidInput that names `field` (and `row`) on any refusal."""
    try:
        return loads_strict(text, max_depth=max_depth)
    except JSONRefused as exc:
        raise InvalidInput(f"{field} is not accepted: {exc}", [RowError(row, field, str(exc))]) from exc
    except RecursionError as exc:
        reason = f"is nested more than {max_depth} levels deep"
        raise InvalidInput(f"{field} {reason}", [RowError(row, field, reason)]) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = f"invalid JSON: {exc}"
        raise InvalidInput(f"{field} is not valid JSON", [RowError(row, field, reason)]) from exc


def check_text(value: str, *, field: str) -> str:
    """`value`, or InvalidInput naming `field` when `text_problem` refuses it."""
    problem = text_problem(value)
    if problem:
        raise InvalidInput(f"{field} {problem}", [RowError(None, field, problem)])
    return value
