"""The upload's shortcuts refuse and keep exactly what the full checks do: one scan of the
body for refused characters (text.json_text_clean) and number checks only where a number
could be refused (text.needs_number_checks)."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest

from comparisons.ingest.parse import JSONL, parse_rows
from comparisons.ingest.rows import _check_consistency, _plain_row, _validate_row, validate_rows
from comparisons.services.outputs import NewResponse, _ResponseValues
from comparisons.text import (
    _PLAIN,
    _STRICT,
    JSONRefused,
    json_text_clean,
    loads_strict,
    needs_number_checks,
    text_problems,
)

PIECES = ["a", "é", "\x00", "\u202e", "\u200f", "\u061c", "\ud800", "\udfff", "🙂", "\\", '"', "u0000", "\n", " "]


def _doc(rng: random.Random) -> dict:
    def text() -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))

    return {text(): [text(), {text(): text()}], "response": text()}


def test_a_body_the_scan_finds_clean_holds_no_refused_text():
    rng = random.Random(5)
    clean = refused = 0
    for _ in range(20_000):
        doc = _doc(rng)
        body = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
        problems = list(text_problems(doc, ""))
        if json_text_clean(body):
            assert not problems, body
            clean += 1
        refused += bool(problems)
    assert clean > 200 and refused > 1000  # both kinds were tried


@pytest.mark.parametrize("escape", ["\\u0000", "\\u202E", "\\u202e", "\\uD800", "\\udfff", "\\u2066", "\\u061C"])
def test_an_escaped_refused_character_is_not_clean(escape):
    assert not json_text_clean('{"response": "x' + escape + '"}')


def test_numbers_parsed_without_checks_are_the_numbers_the_checks_keep():
    rng = random.Random(6)
    for _ in range(20_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 22))).lstrip("0") or "0"
        token = rng.choice(["", "-"]) + digits
        if rng.random() < 0.5:
            token += "." + str(rng.randint(0, 10**6)) + rng.choice(["", f"e{rng.randint(-400, 400)}", "E+2"])
        text = f'{{"n": [{token}]}}'
        try:
            strict = _STRICT.decode(text)
        except JSONRefused:
            assert needs_number_checks(text), text
            with pytest.raises(JSONRefused):
                loads_strict(text)
            continue
        assert loads_strict(text) == strict
        if not needs_number_checks(text):
            assert _PLAIN.decode(text) == strict


@pytest.mark.parametrize("line", ["NaN", '{"a": Infinity}', "[-Infinity]", "9223372036854775808", "1e999"])
def test_a_number_the_checks_refuse_is_still_refused_in_json_lines(line):
    parsed = parse_rows('{"prompt_id": 1}\n' + line, fmt=JSONL, field_name="body", max_rows=10)
    assert [e.row for e in parsed.errors] == [2]


def test_a_bom_inside_json_lines_is_reported_as_json_loads_reports_it():
    parsed = parse_rows('{"a": 1}\n\ufeff{"a": 2}', fmt=JSONL, field_name="body", max_rows=10)
    assert [(e.row, e.reason) for e in parsed.errors] == [
        (2, "invalid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) (column 1)")
    ]


def test_rows_validated_with_the_body_scan_give_the_errors_of_the_full_check():
    lines = [
        {"prompt_id": "p1", "prompt": "q", "system": "A1", "response": "fine"},
        {"prompt_id": "p2", "prompt": "q\u202e", "system": "A1", "response": "x", "metadata": {"k\x00": 1}},
    ]
    body = "\n".join(json.dumps(line) for line in lines)
    parsed = parse_rows(body, fmt=JSONL, field_name="body", max_rows=10)
    assert not parsed.texts_clean
    rows, errors = validate_rows(parsed.rows, max_text_chars=100, texts_clean=parsed.texts_clean)
    assert [(e.row, e.field) for e in errors] == [(2, "prompt"), (2, "metadata")] and len(rows) == 1


# Per field: values of the plain case first, then values off it (or of another path)
FIELDS: dict[str, tuple[list[Any], list[Any]]] = {
    "prompt_id": (["p1", " p2 ", "x" * 200], ["", "   ", 7, True, None, "x" * 201, ["p"]]),
    "system": (["LIMA", " LIMA ", "GPT-4", "s" * 100], ["", "  ", "a\u202eb", " " + "s" * 101, 5, None]),
    "response": (["r", "", "x" * 50], ["x" * 51, None, 3, ["r"], [{"role": "assistant", "content": "a"}]]),
    "prompt": (["q", "x" * 50, " q "], ["", "  ", "x" * 51, 1, [{"role": "user", "content": "q"}], []]),
    "category": (["c", "", "c" * 100], ["c" * 101, 1, ["c"]]),
    "metadata": ([{"t": 1}, {}], [[], "m", 0]),
}


def _plain_or_not(rng: random.Random) -> object:
    """A row mostly of the plain case, now and then with a field off it, missing or unknown."""
    row: dict[str, object] = {}
    for key, (plain, other) in FIELDS.items():
        if rng.random() < 0.1 and key in ("prompt", "category", "metadata", "prompt_id"):
            continue  # (missing, or None for the optional ones)
        row[key] = rng.choice(plain if rng.random() < 0.93 else other)
    if rng.random() < 0.03:
        row["unknown"] = 1
    return row if rng.random() < 0.98 else rng.choice([[row], "row", None])


def test_the_plain_rows_shortcut_makes_the_rows_the_full_validation_makes():
    rng = random.Random(7)
    raw = [(n, _plain_or_not(rng)) for n in range(1, 20_001)]
    rows, errors = validate_rows(raw, max_text_chars=50, texts_clean=True)
    full = [_validate_row(n, r, 50, True) for n, r in raw]
    expected = [row for row, _ in full if row is not None]
    assert rows == expected
    assert errors == sorted(
        [e for _, row_errors in full for e in row_errors] + _check_consistency(expected), key=lambda e: e.row or 0
    )
    systems: dict[str, str] = {}
    shortcut = 0
    for (n, r), (row, _) in zip(raw, full, strict=True):
        plain = _plain_row(n, r, 50, systems)
        assert plain is None or plain == row, r
        shortcut += plain is not None
        if row is not None and isinstance(r, dict):
            systems[r["system"]] = row.system
    assert 5000 < shortcut < len(expected) - 100 and len(expected) < len(raw) - 3000  # all three ways were taken


@pytest.mark.parametrize("steps", [0, 1, 3, 99])
def test_responses_flagged_ahead_give_the_values_of_responses_flagged_as_copy_asks(steps):
    """outputs._ResponseValues: chunks flagged by `ahead` (while the prompts are written) and the
    rest as COPY asks for them give the values of all flagged as COPY asks."""
    rng = random.Random(steps)
    words = ["LIMA", "Tulu", "GPT-4", "as an AI language model", "made by OpenAI", "plain", "lima", " ", "\n"]
    texts = ["".join(rng.choice(words) for _ in range(rng.randint(0, 8))) for _ in range(2_500)]

    def values(ahead: int) -> list[tuple]:
        new = [NewResponse(f"p{i}", None, 1, text, {}, [], "") for i, text in enumerate(texts)]
        made = _ResponseValues(new, {f"p{i}": i for i in range(len(texts))}, ["LIMA", "Tulu"])
        for _ in itertools.islice(made.ahead(), ahead):
            pass
        return list(made)

    expected = values(0)
    assert sum(1 for v in expected if v[5]) > 100  # (some responses reveal)
    assert values(steps) == expected
