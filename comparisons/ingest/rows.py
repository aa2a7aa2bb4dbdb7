"""Validate raw upload rows into `OutputRow`s.

A row is `{prompt_id, prompt?, system, response, category?, metadata?}`. `prompt` is the
prompt's text, or a multi-turn conversation as a list of `{role, content}` turns ending with
a user turn; it may be given once per prompt_id and left out after (in this upload or a
later one). Rows are checked one by one, then against each other within the upload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from comparisons.errors import RowError
from comparisons.grading import dialogue_problem, dialogue_text, dialogue_turns
from comparisons.names import name_problem
from comparisons.text import text_problems

ErrorSink = Callable[[str, str], None]  # (field, reason): records one error of the row
Turns = tuple[tuple[str, str], ...]  # (role, content) per turn

ALLOWED_FIELDS = ("prompt_id", "prompt", "system", "response", "category", "metadata")
ROLES = ("user", "assistant")
MAX_ID_CHARS = 200
MAX_SYSTEM_CHARS = 100
MAX_CATEGORY_CHARS = 100
_ALLOWED = frozenset(ALLOWED_FIELDS)


class OutputRow(NamedTuple):
    """A validated row. A named tuple (immutable, and made by one call to tuple's constructor):
    an upload makes 100,000 of them on each side of its job, where a frozen dataclass set each
    field with object.__setattr__ (0.1 s)."""

    row: int
    prompt_id: str
    prompt_text: str | None
    turns: Turns | None
    system: str
    response: str
    category: str | None
    metadata: dict[str, Any] | None

    @property
    def is_dialogue(self) -> bool:
        return dialogue_turns(self.response) is not None

    def as_json(self) -> dict[str, Any]:
        """A plain dict that `validate_rows` accepts again (jobs queued before the payload
        format of comparisons.services.jobs held their rows so)."""
        turns = dialogue_turns(self.response)
        response: Any = self.response if turns is None else turns
        data: dict[str, Any] = {"prompt_id": self.prompt_id, "system": self.system, "response": response}
        if self.turns is not None:
            data["prompt"] = [{"role": r, "content": c} for r, c in self.turns]
        elif self.prompt_text is not None:
            data["prompt"] = self.prompt_text
        if self.category is not None:
            data["category"] = self.category
        if self.metadata is not None:
            data["metadata"] = self.metadata
        return data


def validate_rows(
    raw_rows: list[tuple[int, object]], *, max_text_chars: int, texts_clean: bool = False
) -> tuple[list[OutputRow], list[RowError]]:
    """`texts_clean`: the caller found that no string in the rows can hold a character
    `text_problem` refuses (comparisons.text.json_text_clean on the body they came from)."""
    rows: list[OutputRow] = []
    errors: list[RowError] = []
    systems: dict[str, str] = {}  # a system as given -> as kept, for systems `_system` accepted
    for number, raw in raw_rows:
        row = _plain_row(number, raw, max_text_chars, systems) if texts_clean else None
        if row is None:
            row, row_errors = _validate_row(number, raw, max_text_chars, texts_clean)
            errors.extend(row_errors)
            if row is not None and isinstance(raw, dict):
                systems[raw["system"]] = row.system
        if row is not None:
            rows.append(row)
    errors.extend(_check_consistency(rows))
    errors.sort(key=lambda e: e.row or 0)
    return rows, errors


def _plain_row(number: int, raw: object, max_chars: int, systems: dict[str, str]) -> OutputRow | None:
    """The row `_validate_row` makes of `raw` when `raw` is the plain case (every field of the
    type and length it accepts without looking further; a system `_system` accepted before;
    no dialogue, no turns) and its texts are clean; None to leave `raw` to `_validate_row`."""
    if type(raw) is not dict or not _ALLOWED.issuperset(raw):
        return None
    prompt_id, system, response = raw.get("prompt_id"), raw.get("system"), raw.get("response")
    prompt, category, metadata = raw.get("prompt"), raw.get("category"), raw.get("metadata")
    if (
        type(prompt_id) is str
        and len(prompt_id) <= MAX_ID_CHARS
        and prompt_id.strip()
        and type(system) is str
        and system in systems
        and type(response) is str
        and len(response) <= max_chars
        and (prompt is None or (type(prompt) is str and len(prompt) <= max_chars and prompt.strip()))
        and (category is None or (type(category) is str and len(category) <= MAX_CATEGORY_CHARS))
        and (metadata is None or type(metadata) is dict)
    ):
        return OutputRow(number, prompt_id, prompt, None, systems[system], response, category or None, metadata)
    return None


def _validate_row(
    number: int, raw: object, max_chars: int, texts_clean: bool = False
) -> tuple[OutputRow | None, list[RowError]]:
    if not isinstance(raw, dict):
        return None, [RowError(number, "row", "must be a JSON object")]
    errors: list[RowError] = []

    def err(field: str, reason: str) -> None:
        errors.append(RowError(number, field, reason))

    for key in raw:
        if key not in ALLOWED_FIELDS:
            err(str(key)[:50], f"unknown field; allowed fields are {', '.join(ALLOWED_FIELDS)}")
    if not texts_clean:
        for field, reason in text_problems({k: v for k, v in raw.items() if k in ALLOWED_FIELDS}, ""):
            err(field, reason)
    prompt_id = _prompt_id(raw.get("prompt_id"), err)
    system = _system(raw.get("system"), err)
    response = _response(raw.get("response"), max_chars, err)
    prompt_text, turns = _validate_prompt(raw.get("prompt"), max_chars, err)
    category = raw.get("category")
    if category is not None and (not isinstance(category, str) or len(category) > MAX_CATEGORY_CHARS):
        err("category", f"must be a string of at most {MAX_CATEGORY_CHARS} characters")
    metadata = raw.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        err("metadata", "must be a JSON object")

    if errors or prompt_id is None or system is None or response is None:
        return None, errors
    row = OutputRow(
        row=number,
        prompt_id=prompt_id,
        prompt_text=prompt_text,
        turns=turns,
        system=system,
        response=response,
        category=category or None,
        metadata=metadata,
    )
    return row, []


def _prompt_id(value: object, err: ErrorSink) -> str | None:
    """A non-empty string of at most MAX_ID_CHARS, or an integer (kept as its string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None:
        err("prompt_id", "is required")
    elif not isinstance(value, str) or not value.strip():
        err("prompt_id", "must be a non-empty string or an integer")
    elif len(value) > MAX_ID_CHARS:
        err("prompt_id", f"is longer than {MAX_ID_CHARS} characters")
    else:
        return value
    return None


def _system(value: object, err: ErrorSink) -> str | None:
    """The model's name, stripped: non-empty, at most MAX_SYSTEM_CHARS."""
    if value is None:
        err("system", "is required")
    elif not isinstance(value, str) or not value.strip():
        err("system", "must be a non-empty string (the model's name)")
    elif len(value.strip()) > MAX_SYSTEM_CHARS:
        err("system", f"is longer than {MAX_SYSTEM_CHARS} characters")
    elif problem := name_problem(value):
        err("system", problem)
    else:
        return value.strip()
    return None


def _response(value: object, max_chars: int, err: ErrorSink) -> str | None:
    """A string (possibly empty) of at most ``max_chars`` characters; for a dialogue study a
    list of turns (comparisons.grading), kept as its canonical JSON text."""
    if isinstance(value, list):
        if problem := dialogue_problem(value):
            err("response", f"must be a string, or for a dialogue study a list of turns: {problem}")
            return None
        value = dialogue_text(value)
    if value is None:
        err("response", "is required")
    elif not isinstance(value, str):
        err("response", "must be a string, or for a dialogue study a list of turns {role, content}")
    elif len(value) > max_chars:
        err("response", f"has {len(value)} characters; the limit is {max_chars} (LIMA_MAX_TEXT_CHARS)")
    else:
        return value
    return None


def _validate_prompt(prompt: object, max_chars: int, err: ErrorSink) -> tuple[str | None, Turns | None]:
    """The prompt's text and, for a conversation of several turns, its turns."""
    if prompt is None:
        return None, None
    if isinstance(prompt, str):
        if not prompt.strip():
            err("prompt", "must not be empty")
        elif len(prompt) > max_chars:
            err("prompt", f"has {len(prompt)} characters; the limit is {max_chars} (LIMA_MAX_TEXT_CHARS)")
        return prompt, None
    if not isinstance(prompt, list) or not prompt:
        err("prompt", "must be a string or a non-empty list of turns {role, content}")
        return None, None
    turns = _turns(prompt, max_chars, err)
    if turns is None:
        return None, None
    return turns[-1][1], (turns if len(turns) > 1 else None)


def _turns(prompt: list[object], max_chars: int, err: ErrorSink) -> Turns | None:
    """Turns ``{role, content}`` with a non-empty content each, the last one the user's,
    at most ``max_chars`` characters in all."""
    turns: list[tuple[str, str]] = []
    for i, turn in enumerate(prompt, start=1):
        if not isinstance(turn, dict) or turn.get("role") not in ROLES or not isinstance(turn.get("content"), str):
            err("prompt", f"turn {i} must be an object with role 'user' or 'assistant' and a string content")
            return None
        if not turn["content"].strip():
            err("prompt", f"turn {i} has empty content")
            return None
        turns.append((turn["role"], turn["content"]))
    if turns[-1][0] != "user":
        err("prompt", "the last turn must be the user's (the responses answer it)")
        return None
    if sum(len(c) for _, c in turns) > max_chars:
        err("prompt", f"the conversation is longer than {max_chars} characters (LIMA_MAX_TEXT_CHARS)")
        return None
    return tuple(turns)


def _check_consistency(rows: list[OutputRow]) -> list[RowError]:
    """Within one upload: a prompt_id carries one prompt and one category, and a
    (prompt_id, system) one response. Exact repeats are allowed (and counted unchanged)."""
    errors: list[RowError] = []
    prompts: dict[str, OutputRow] = {}
    categories: dict[str, OutputRow] = {}
    responses: dict[tuple[str, str], OutputRow] = {}
    for row in rows:
        if row.prompt_text is not None:
            first = prompts.setdefault(row.prompt_id, row)
            if (first.prompt_text, first.turns) != (row.prompt_text, row.turns):
                reason = f"differs from the prompt given for prompt_id {row.prompt_id!r} in row {first.row}"
                errors.append(RowError(row.row, "prompt", reason))
        if row.category is not None:
            first = categories.setdefault(row.prompt_id, row)
            if first.category != row.category:
                reason = f"differs from the category given for prompt_id {row.prompt_id!r} in row {first.row}"
                errors.append(RowError(row.row, "category", reason))
        first = responses.setdefault((row.prompt_id, row.system), row)
        if first is not row and first.response != row.response:
            reason = f"a different response for ({row.prompt_id!r}, {row.system!r}) was given in row {first.row}"
            errors.append(RowError(row.row, "response", reason))
    return errors
