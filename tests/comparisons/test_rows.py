"""Row validation and parsing (pure, no database)."""

from __future__ import annotations

import pytest

from comparisons.errors import InvalidInput
from comparisons.ingest.parse import JSON, JSONL, parse_rows
from comparisons.ingest.rows import validate_rows


def check(*raw, max_text_chars=1000):
    return validate_rows(list(enumerate(raw, start=1)), max_text_chars=max_text_chars)


def reasons(errors):
    return {(e.row, e.field): e.reason for e in errors}


def test_a_complete_row_is_accepted():
    rows, errors = check(
        {
            "prompt_id": "p1",
            "prompt": "Hi?",
            "system": " GPT-4 ",
            "response": "Hello",
            "category": "chat",
            "metadata": {"t": 1},
        }
    )
    assert errors == []
    assert rows[0].system == "GPT-4" and rows[0].prompt_text == "Hi?" and rows[0].metadata == {"t": 1}


def test_an_empty_response_is_kept_as_the_models_answer():
    rows, errors = check({"prompt_id": "p1", "prompt": "Hi?", "system": "a", "response": ""})
    assert errors == [] and rows[0].response == ""


def test_integer_prompt_ids_become_strings():
    rows, errors = check({"prompt_id": 7, "prompt": "x", "system": "a", "response": "y"})
    assert errors == [] and rows[0].prompt_id == "7"


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ({"prompt": "x", "system": "a", "response": "y"}, "prompt_id", "is required"),
        ({"prompt_id": "", "system": "a", "response": "y"}, "prompt_id", "must be a non-empty string or an integer"),
        ({"prompt_id": True, "system": "a", "response": "y"}, "prompt_id", "must be a non-empty string or an integer"),
        ({"prompt_id": "p" * 201, "system": "a", "response": "y"}, "prompt_id", "is longer than 200 characters"),
        ({"prompt_id": "p", "response": "y"}, "system", "is required"),
        ({"prompt_id": "p", "system": 3, "response": "y"}, "system", "must be a non-empty string (the model's name)"),
        ({"prompt_id": "p", "system": "s" * 101, "response": "y"}, "system", "is longer than 100 characters"),
        ({"prompt_id": "p", "system": "a"}, "response", "is required"),
        (
            {"prompt_id": "p", "system": "a", "response": ["y"]},
            "response",
            "must be a string, or for a dialogue study a list of turns: "
            "turn 1 must be an object with exactly role and content",
        ),
        (
            {"prompt_id": "p", "system": "a", "response": "y" * 1001},
            "response",
            "has 1001 characters; the limit is 1000 (LIMA_MAX_TEXT_CHARS)",
        ),
        ({"prompt_id": "p", "prompt": "", "system": "a", "response": "y"}, "prompt", "must not be empty"),
        (
            {"prompt_id": "p", "prompt": 5, "system": "a", "response": "y"},
            "prompt",
            "must be a string or a non-empty list of turns {role, content}",
        ),
        (
            {"prompt_id": "p", "prompt": "q" * 1001, "system": "a", "response": "y"},
            "prompt",
            "has 1001 characters; the limit is 1000 (LIMA_MAX_TEXT_CHARS)",
        ),
        (
            {"prompt_id": "p", "system": "a", "response": "y", "category": 3},
            "category",
            "must be a string of at most 100 characters",
        ),
        ({"prompt_id": "p", "system": "a", "response": "y", "metadata": [1]}, "metadata", "must be a JSON object"),
        (
            {"prompt_id": "p", "system": "a", "response": "y", "respnse": "z"},
            "respnse",
            "unknown field; allowed fields are prompt_id, prompt, system, response, category, metadata",
        ),
    ],
)
def test_each_bad_field_is_named_with_its_reason(row, field, reason):
    rows, errors = check(row)
    assert rows == []
    assert reasons(errors) == {(1, field): reason}


def test_a_row_that_is_not_an_object_is_refused():
    _, errors = check(["p", "a"])
    assert reasons(errors) == {(1, "row"): "must be a JSON object"}


def test_multi_turn_prompts_keep_the_conversation_and_answer_the_last_user_turn():
    turns = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "And now?"},
    ]
    rows, errors = check({"prompt_id": "p", "prompt": turns, "system": "a", "response": "y"})
    assert errors == []
    assert rows[0].prompt_text == "And now?"
    assert rows[0].as_json()["prompt"] == turns


@pytest.mark.parametrize(
    ("turns", "reason"),
    [
        (
            [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
            "the last turn must be the user's (the responses answer it)",
        ),
        (
            [{"role": "system", "content": "x"}],
            "turn 1 must be an object with role 'user' or 'assistant' and a string content",
        ),
        ([{"role": "user", "content": " "}], "turn 1 has empty content"),
        ([], "must be a string or a non-empty list of turns {role, content}"),
    ],
)
def test_malformed_conversations_are_refused(turns, reason):
    _, errors = check({"prompt_id": "p", "prompt": turns, "system": "a", "response": "y"})
    assert reasons(errors) == {(1, "prompt"): reason}


def test_a_prompt_given_twice_must_be_the_same():
    _, errors = check(
        {"prompt_id": "p", "prompt": "one", "system": "a", "response": "y"},
        {"prompt_id": "p", "prompt": "two", "system": "b", "response": "y"},
    )
    assert reasons(errors) == {(2, "prompt"): "differs from the prompt given for prompt_id 'p' in row 1"}


def test_a_response_given_twice_must_be_the_same_but_exact_repeats_pass():
    _, errors = check(
        {"prompt_id": "p", "prompt": "q", "system": "a", "response": "y"},
        {"prompt_id": "p", "system": "a", "response": "y"},
        {"prompt_id": "p", "system": "a", "response": "z"},
    )
    assert reasons(errors) == {(3, "response"): "a different response for ('p', 'a') was given in row 1"}


def test_conflicting_categories_are_refused():
    _, errors = check(
        {"prompt_id": "p", "prompt": "q", "system": "a", "response": "y", "category": "x"},
        {"prompt_id": "p", "system": "b", "response": "y", "category": "z"},
    )
    assert reasons(errors) == {(2, "category"): "differs from the category given for prompt_id 'p' in row 1"}


def test_json_lines_report_bad_lines_by_line_number_and_skip_blank_lines():
    parsed = parse_rows('{"a": 1}\n\n{oops\n{"b": 2}\n', fmt=JSONL, field_name="body", max_rows=10)
    assert [n for n, _ in parsed.rows] == [1, 4]
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "row")]
    assert parsed.errors[0].reason.startswith("invalid JSON")


def test_a_json_body_must_be_an_array():
    with pytest.raises(InvalidInput) as exc:
        parse_rows('{"prompt_id": 1}', fmt=JSON, field_name="body", max_rows=10)
    assert exc.value.errors[0].field == "body"
    assert "must be a JSON array" in exc.value.errors[0].reason


def test_row_count_limits_and_empty_uploads_are_refused():
    with pytest.raises(InvalidInput) as exc:
        parse_rows("[1, 2, 3]", fmt=JSON, field_name="body", max_rows=2)
    assert exc.value.errors[0].reason == "has 3 rows; the limit per request is 2 (LIMA_UPLOAD_MAX_ROWS)"
    with pytest.raises(InvalidInput) as exc:
        parse_rows("\n\n", fmt=JSONL, field_name="file", max_rows=2)
    assert exc.value.errors[0].reason == "contains no rows"
