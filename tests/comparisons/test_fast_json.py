"""orjson is used where it gives what json gives (comparisons.text.loads_plain, the job payload
of comparisons.services.jobs): the same values, exactly (types, float bits, the sign of zero,
the order of keys), and where it refuses a text, json's own value or error. Held to json on
random and hostile texts: tabs, newlines, backslashes, non-ASCII, raw and escaped surrogates
(paired, lone, reversed), duplicate keys, huge integers, floats of many digits, 1e308, -0.0,
0.1 + 0.2, NaN, Infinity, and texts broken at random."""

from __future__ import annotations

import datetime
import enum
import json
import math
import random
import struct
from decimal import Decimal
from typing import Any

import orjson
import pytest

from comparisons.ingest.rows import OutputRow, validate_rows
from comparisons.services.jobs import ORJSON_FORMAT, PAYLOAD_FORMAT, _payload, _stored_rows
from comparisons.text import _PLAIN, _STRICT, loads_plain, loads_strict, needs_number_checks

CHARS = ["a", "Z", " ", "\t", "\n", "\r", "\\", '"', "/", "é", "ß", "中", "🙂", "\u2028", "\x7f", "\x1f", "\x00"]
CHARS += ["\ud800", "\udbff", "\udc00", "\udfff", "\ufeff", "\u202e", "NaN", "Infinity", "1e999", "u", "0"]
ESCAPES = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0000", "\\u00e9", "\\uD83D\\uDE42"]
ESCAPES += ["\\ud83d\\ude42", "\\ud800", "\\udfff", "\\ude42\\ud83d", "\\ud83dA", "\\ud83d\\u0041", "\\u202E", "\\x"]
FLOATS = [0.1 + 0.2, 1e308, -1e308, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, -0.0, 0.0, 1e16]
FLOATS += [1e22, 1e23, 123456789.123456789, 9007199254740993.0, 0.30000000000000004, 1 / 3, 2.5e-05, 1e-7]
INTS = [0, -1, 7, 2**53 + 1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, -(2**63) - 1, 10**30, -(10**40)]
NUMBER_TEXTS = ["-0", "-0.0", "0e5", "1E+2", "1e05", "1e-05", "1.5E-3", "01", "1.", ".5", "-", "1e", "+1", "0x1F"]
NUMBER_TEXTS += ["NaN", "-Infinity", "Infinity", "1e400", "-1e400", "1e-400", "123456789012345678.123456789012345678"]
SAFE = [c for c in CHARS if c not in ("\x00", "\ud800", "\udbff", "\udc00", "\udfff", "\u202e")]  # stored as is
SPACE = ["", " ", "\t", "\n", "\r", "  ", "\x0c", "\xa0"]


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types: float bits (so -0.0 is not 0.0), keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack(">d", a) == struct.pack(">d", b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _string(rng: random.Random) -> str:
    parts = [rng.choice(ESCAPES) if rng.random() < 0.3 else json.dumps(rng.choice(CHARS))[1:-1] for _ in range(4)]
    if rng.random() < 0.1:  # a character json.dumps would escape, raw
        parts.append(rng.choice(CHARS))
    return '"' + "".join(parts[: rng.randint(0, 4)]) + '"'


def _number(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.2:
        return rng.choice(NUMBER_TEXTS)
    if kind < 0.4:
        return str(rng.choice(INTS))
    if kind < 0.6:
        return repr(rng.choice(FLOATS) if rng.random() < 0.5 else struct.unpack(">d", rng.randbytes(8))[0])
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20))).lstrip("0") or "0"
    text = rng.choice(["", "-"]) + digits
    if rng.random() < 0.6:
        text += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
    if rng.random() < 0.4:
        text += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 330)).zfill(rng.randint(1, 3))
    return text


def _value(rng: random.Random, depth: int = 0) -> str:
    """A JSON text (mostly valid) with random spacing."""
    kind = rng.random() if depth < 4 else rng.random() * 0.6
    sp = lambda: rng.choice(SPACE) if rng.random() < 0.1 else rng.choice(SPACE[:5])  # noqa: E731
    if kind < 0.25:
        return _string(rng)
    if kind < 0.5:
        return _number(rng)
    if kind < 0.6:
        return rng.choice(["true", "false", "null", "nul", "True"])
    if kind < 0.8:
        items = [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
        return "[" + sp() + ("," + sp()).join(items) + sp() + "]"
    keys = [_string(rng) for _ in range(rng.randint(0, 4))]
    if keys and rng.random() < 0.3:
        keys.append(rng.choice(keys))  # a duplicate key
    members = [f"{k}{sp()}:{sp()}{_value(rng, depth + 1)}" for k in keys]
    return "{" + sp() + ("," + sp()).join(members) + sp() + "}"


def _broken(rng: random.Random, text: str) -> str:
    """`text` with a few characters inserted, deleted or replaced."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(text))
        piece = rng.choice(["", ",", '"', "\\", "[", "}", ":", "0", "e", "-", " ", rng.choice(CHARS)])
        text = text[:at] + piece + text[at + rng.randint(0, 2) :]
    return text


def _outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", parse(text)
    except Exception as exc:  # noqa: BLE001 - the kind and message are compared
        return type(exc).__name__, str(exc)


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        text = rng.choice(SPACE[:3]) + _value(rng) + rng.choice(SPACE)
        texts.append(_broken(rng, text) if rng.random() < 0.3 else text)
    return texts


def test_loads_plain_gives_what_json_gives_on_texts_without_numbers_to_check():
    fast = fell_back = refused = 0
    for text in _texts(11, 40_000):
        if needs_number_checks(text):
            continue
        expected, got = _outcome(_PLAIN.decode, text), _outcome(loads_plain, text)
        assert got[0] == expected[0] and (same(got[1], expected[1]) if got[0] == "value" else got == expected), text
        took = _outcome(orjson.loads, text)[0] == "value"
        fast += took
        fell_back += not took and expected[0] == "value"
        refused += expected[0] != "value"
    assert fast > 5000 and fell_back > 300 and refused > 3000  # all three ways were taken


def test_loads_strict_refuses_and_keeps_what_json_with_the_number_checks_does():
    checked = 0
    for text in _texts(12, 40_000):
        if text.startswith("\ufeff") or text.count("[") + text.count("{") > 32:
            continue
        expected, got = _outcome(_STRICT.decode, text), _outcome(loads_strict, text)
        assert got[0] == expected[0] and (same(got[1], expected[1]) if got[0] == "value" else got == expected), text
        checked += needs_number_checks(text)
    assert checked > 5000


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2, "b": 3}',
        '{"b": 1, "a": 2, "b": [3]}',
        '"\\ud83d\\ude42 \\uD83D\\uDE42"',
        '"\\ud800"',
        '"\\ude42\\ud83d"',
        '"\\ud83dx"',
        '"\ud800"',
        '"tab\there"',
        '"a\\u0000b"',
        '"\\u2028\u2028"',
        "[1e308, -0.0, 0.30000000000000004, 5e-324, 1e-7, 1E+2, -0]",
        "[18446744073709551616, 123456789012345678901234567890]",
        "[NaN, Infinity, -Infinity, 1e400]",
        '{"a": [1, 2,]}',
        "[1 2]",
        "\xa0[]",
        "[]\x0c",
        "",
    ],
)
def test_loads_strict_on_hostile_texts_is_json_with_the_number_checks(text):
    expected, got = _outcome(_STRICT.decode, text), _outcome(loads_strict, text)
    assert got[0] == expected[0] and (same(got[1], expected[1]) if got[0] == "value" else got == expected)


def _old_needs_number_checks(text: str) -> bool:
    """needs_number_checks as it was, on the text (str.translate)."""
    if "NaN" in text or "Infinity" in text:
        return True
    shapes = text.translate(str.maketrans("123456789E+", "00000000" + "0e-"))
    return "0" * 19 in shapes or "e000" in shapes or "e-000" in shapes


def test_the_number_scan_on_bytes_finds_what_the_scan_on_text_found():
    rng = random.Random(13)
    pieces = ["1", "9", "0", "e", "E", "+", "-", ".", "é", "٣", "\ud800", "N", "aN", "Infinity", "x", "𝟗"]
    found = 0
    for _ in range(30_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        assert needs_number_checks(text) == _old_needs_number_checks(text), text
        assert needs_number_checks(text.encode("utf-8", "surrogatepass")) == _old_needs_number_checks(text), text
        found += _old_needs_number_checks(text)
    assert 3000 < found < 27_000


def _decimal_texts(rng: random.Random) -> list[str]:
    """Decimal texts without a number to check: at most 18 digits in a row, exponents of at most
    2 digits; among them the hard ones, halfway between two neighbouring floats."""
    whole = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 18))).lstrip("0") or "0"
    fraction = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 18)))
    exponent = rng.choice(["", f"e{rng.randint(-99, 99)}", f"E+{rng.randint(0, 99):02d}"])
    value = abs(struct.unpack(">d", rng.randbytes(8))[0])
    texts = [f"{whole}.{fraction}{exponent}", f"-{whole}{exponent}"]
    if math.isfinite(value) and 1e-80 < value < 1e80:
        half = (Decimal(value) + Decimal(math.nextafter(value, math.inf))) / 2
        sign, digits, exp = half.as_tuple()
        shown = "".join(map(str, digits))[:36]  # 18 + 18 digits around the point
        texts.append(f"{shown[:18]}.{shown[18:] or '0'}e{int(exp) + len(digits) - 18}")
    return [t for t in texts if not needs_number_checks(t)]


def test_orjson_reads_decimal_numbers_as_json_does():
    rng = random.Random(14)
    seen = 0
    for _ in range(60_000):
        for text in _decimal_texts(rng):
            assert same(orjson.loads(text), json.loads(text)), text
            seen += 1
    assert seen > 120_000


def _random_json_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.random() if depth < 3 else rng.random() * 0.7
    if kind < 0.2:
        return "".join(rng.choice(SAFE) for _ in range(rng.randint(0, 6)))
    if kind < 0.35:
        return rng.choice(INTS[:8] + [rng.randint(-(2**63), 2**64 - 1)])
    if kind < 0.55:
        value = struct.unpack(">d", rng.randbytes(8))[0]
        return value if math.isfinite(value) else rng.choice(FLOATS)
    if kind < 0.7:
        return rng.choice([True, False, None])
    if kind < 0.85:
        return [_random_json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        "".join(rng.choice(SAFE) for _ in range(rng.randint(0, 3))): _random_json_value(rng, depth + 1)
        for _ in range(rng.randint(0, 4))
    }


def test_orjson_reads_back_what_it_wrote():
    rng = random.Random(15)
    for _ in range(20_000):
        value = _random_json_value(rng)
        assert same(orjson.loads(orjson.dumps(value)), json.loads(json.dumps(value))), value


def _rows(rng: random.Random, n: int) -> list[dict]:
    rows = []
    for i in range(n):
        row: dict[str, Any] = {
            "prompt_id": rng.choice([f"p{i}", i]),
            "prompt": "".join(rng.choice(CHARS[:14]) for _ in range(8)) + "?",
            "system": rng.choice(["LIMA", "GPT-4"]),
            "response": "".join(rng.choice(CHARS[:14]) for _ in range(rng.randint(0, 30))),
            "metadata": {"m": _random_json_value(rng), "k": rng.random()},
        }
        if rng.random() < 0.2:
            row["prompt"] = [
                {"role": "user", "content": "a\tb"},
                {"role": "assistant", "content": "ü"},
                {"role": "user", "content": "?"},
            ]
        if rng.random() < 0.3:
            row["category"] = rng.choice(["math", "ünï"])
        rows.append(row)
    return rows


def test_a_payload_written_by_orjson_gives_back_the_validated_rows_exactly():
    rng = random.Random(16)
    for _ in range(40):
        rows, errors = validate_rows(list(enumerate(_rows(rng, 50), start=1)), max_text_chars=10**6)
        assert not errors
        payload = _payload(rows, json_values=True)
        assert payload.startswith(ORJSON_FORMAT + " ")
        stored, errors = _stored_rows(payload)
        assert not errors and stored == rows
        assert same([r.metadata for r in stored], [r.metadata for r in rows])


class Level(enum.IntEnum):
    HIGH = 2


@pytest.mark.parametrize(
    "metadata",
    [
        {"big": 2**64},
        {"lone": "\ud800"},
        {1: "a key not a string"},
        {"level": Level.HIGH},
        {"day": datetime.date(2026, 12, 1)},
        {"tuple": (1, 2)},
    ],
    ids=["big-int", "lone-surrogate", "int-key", "int-enum", "date", "tuple"],
)
def test_a_value_orjson_refuses_or_writes_otherwise_is_written_by_json(metadata):
    rows = [OutputRow(1, "p", "q", None, "LIMA", "r", None, metadata)]
    try:
        expected = _payload(rows)
    except TypeError:  # json.dumps refuses it: so does the payload
        with pytest.raises(TypeError):
            _payload(rows, json_values=True)
        return
    payload = _payload(rows, json_values=True)
    if "tuple" in metadata or "level" in metadata:  # orjson writes them as json.dumps does: a list, an int
        assert payload.startswith(ORJSON_FORMAT + " ")
        assert _stored_rows(payload) == _stored_rows(expected) and _stored_rows(payload)[0][0].metadata in (
            {"tuple": [1, 2]},
            {"level": 2},
        )
    else:
        assert payload == expected and payload.startswith(PAYLOAD_FORMAT + " ")
