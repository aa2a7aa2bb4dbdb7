"""Validate rows of imported votes (pure Python).

A row is `{prompt_id, left_system, right_system, choice, rater, rater_group?, created?,
seconds?}`: `choice` is `left`, `right` or `tie` as the rater saw the two responses, or `both_bad` (only for a
study that offers it: raters.services.vote_import checks). A per-turn study's row gives
`turn_choices` (one such choice per assistant turn, as seen) instead of `choice`. In a rating study a row is
`{prompt_id, system, grade, rater, rater_group?, created?, seconds?}` (`grade`: a label of the
scale or its index, 0 the lowest), in a dialogue study `{prompt_id, system, turn_grades, ...}`
(one grade per assistant turn); the service checks them against the study's scale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from comparisons.errors import RowError
from comparisons.text import text_problems

FIELDS = (
    "prompt_id",
    "left_system",
    "right_system",
    "choice",
    "system",
    "grade",
    "turn_grades",
    "turn_choices",
    "rater",
    "rater_group",
    "created",
    "seconds",
)
GRADED_FIELDS = ("system", "grade", "turn_grades")
PAIRWISE_FIELDS = ("left_system", "right_system", "choice")
CHOICES = ("left", "right", "tie", "both_bad")
MAX_SECONDS = 7 * 24 * 3600  # a week: longer is a clock error, not a rater
ErrorSink = Callable[[str, str], None]  # (field, reason): records one error of the row


@dataclass(frozen=True)
class VoteRow:
    row: int
    prompt_id: str
    left_system: str
    right_system: str
    choice: str
    rater: str
    rater_group: str
    created: datetime | None
    seconds: float
    system: str = ""  # a rating row's system ("" for a pairwise row)
    grade: Any = None  # as given: a label or an index (raters.services.grading reads it)
    turn_grades: Any = None
    turn_choices: Any = None  # a per-turn row's choices as shown (raters.services.grading reads them)

    @property
    def is_graded(self) -> bool:
        return self.choice in ("grade", "turns")

    @property
    def winner(self) -> str | None:
        return {"left": self.left_system, "right": self.right_system}.get(self.choice)

    @property
    def verdict(self) -> tuple[Any, ...]:
        """What the vote says whatever the sides: (winner, both bad), or the grades."""
        if self.is_graded:
            return (self.grade, repr(self.turn_grades))
        if self.turn_choices is not None:
            sides = {"left": self.left_system, "right": self.right_system}
            return ("per_turn", repr([sides.get(c, c) for c in self.turn_choices]))
        return self.winner, self.choice == "both_bad"


def _text(raw: dict[str, Any], key: str, limit: int, err: ErrorSink, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and key in ("prompt_id", "rater"):
        value = str(value)
    if value is None:
        if required:
            err(key, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        err(key, "must be a non-empty string")
        return None
    if len(value) > limit:
        err(key, f"is longer than {limit} characters")
        return None
    return value.strip()


def validate_vote_rows(raw_rows: list[tuple[int, object]]) -> tuple[list[VoteRow], list[RowError]]:
    """Each row checked on its own, then against the others: a rater votes once per pair
    with one choice: a second row with another choice on the same pair is an error)."""
    rows: list[VoteRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, frozenset[str]], VoteRow] = {}
    for number, raw in raw_rows:
        row, row_errors = _validate_vote_row(number, raw)
        if row is None:
            errors.extend(row_errors)
            continue
        key = (row.rater, row.prompt_id, frozenset((row.left_system, row.right_system, row.system)))
        first = seen.setdefault(key, row)
        if first is not row and first.verdict != row.verdict:
            errors.append(
                RowError(number, "choice", f"rater {row.rater!r} voted differently on this pair in row {first.row}")
            )
            continue
        rows.append(row)
    return rows, errors


def _validate_vote_row(number: int, raw: object) -> tuple[VoteRow | None, list[RowError]]:
    if not isinstance(raw, dict):
        return None, [RowError(number, "row", "must be a JSON object")]
    row_errors: list[RowError] = []

    def err(field: str, reason: str) -> None:
        row_errors.append(RowError(number, field, reason))

    for key in raw:
        if key not in FIELDS:
            err(str(key)[:50], f"unknown field; allowed fields are {', '.join(FIELDS)}")
    for field, reason in text_problems({k: v for k, v in raw.items() if k in FIELDS}, ""):
        err(field, reason)
    if row_errors or any(k in raw for k in GRADED_FIELDS):
        return (None, row_errors) if row_errors else _validate_graded_row(number, raw)
    prompt_id = _text(raw, "prompt_id", 200, err)
    left = _text(raw, "left_system", 100, err)
    right = _text(raw, "right_system", 100, err)
    rater = _text(raw, "rater", 200, err)
    group = _text(raw, "rater_group", 50, err, required=False) or "crowd"
    choice, turn_choices = _choice(raw, err)
    if left and right and left == right:
        err("right_system", "must differ from left_system")
    created = _created(raw.get("created"), err)
    seconds = _seconds(raw.get("seconds", 0), err)
    if row_errors or prompt_id is None or left is None or right is None or rater is None:
        return None, row_errors
    row = VoteRow(number, prompt_id, left, right, str(choice), rater, group, created, seconds)
    return (row if turn_choices is None else replace(row, turn_choices=turn_choices)), []


def _choice(raw: dict[str, Any], err: ErrorSink) -> tuple[str, Any]:
    """A pairwise row's choice, or "per_turn" and its turn choices (checked against the
    continuations' turns and the study by raters.services.vote_import)."""
    choice, turn_choices = raw.get("choice"), raw.get("turn_choices")
    if turn_choices is not None:
        if choice is not None:
            err("choice", "a per-turn row gives turn_choices (one choice per assistant turn), not choice")
        elif not isinstance(turn_choices, list) or not turn_choices:
            err("turn_choices", "must be a non-empty list of choices, one per assistant turn")
        return "per_turn", turn_choices
    if choice not in CHOICES:
        err("choice", "must be one of left, right, tie, both_bad (as the rater saw the responses)")
    return str(choice), None


def _validate_graded_row(number: int, raw: dict[str, Any]) -> tuple[VoteRow | None, list[RowError]]:
    """A rating row: {prompt_id, system, grade | turn_grades, rater, ...}."""
    row_errors: list[RowError] = []

    def err(field: str, reason: str) -> None:
        row_errors.append(RowError(number, field, reason))

    for key in PAIRWISE_FIELDS:
        if key in raw:
            err(key, "a rating row names system and grade (or turn_grades), not a pairwise choice")
    prompt_id = _text(raw, "prompt_id", 200, err)
    system = _text(raw, "system", 100, err)
    rater = _text(raw, "rater", 200, err)
    group = _text(raw, "rater_group", 50, err, required=False) or "crowd"
    grade, turn_grades = raw.get("grade"), raw.get("turn_grades")
    if (grade is None) == (turn_grades is None):
        err("grade", "give grade (a rating study) or turn_grades (a dialogue study), one of them")
    elif grade is not None and (isinstance(grade, bool) or not isinstance(grade, (int, str))):
        err("grade", "must be a label of the study's scale or its index (0 = the lowest)")
    elif turn_grades is not None and (not isinstance(turn_grades, list) or not turn_grades):
        err("turn_grades", "must be a non-empty list of grades, one per assistant turn")
    created = _created(raw.get("created"), err)
    seconds = _seconds(raw.get("seconds", 0), err)
    if row_errors or prompt_id is None or system is None or rater is None:
        return None, row_errors
    choice = "grade" if grade is not None else "turns"
    return VoteRow(number, prompt_id, "", "", choice, rater, group, created, seconds, system, grade, turn_grades), []


def _seconds(value: object, err: ErrorSink) -> float:
    """A finite number of seconds from 0 to MAX_SECONDS (NaN and Infinity fail the range)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= MAX_SECONDS:
        err("seconds", f"must be a number of seconds from 0 to {MAX_SECONDS}")
        return 0.0
    return float(value)


def _created(value: object, err: ErrorSink) -> datetime | None:
    """An ISO 8601 date-time (UTC when it names no zone), or None when not given."""
    if value is None:
        return None
    try:
        created = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, e.g. 2023-02-30
        created = None
    if created is None:
        err("created", "must be an ISO 8601 date-time, e.g. 2023-05-18T14:03:00Z")
    elif created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created
