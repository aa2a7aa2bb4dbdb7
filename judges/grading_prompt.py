"""What an LLM grader is asked on a rating or dialogue study, and how its answer is read (pure
Python). The pairwise counterpart is judges/prompting.py.

The prompt is a `string.Template` filled with the study's question, the prompt (a conversation
is shown turn by turn), the response (for a dialogue: the conversation after the prompt, each
assistant turn numbered) and the scale: LIMA's guidelines for its default scale (Zhou et al.
2023, section 4.3), otherwise the study's labels in order, lowest first, numbered from 1.

Grades are parsed strictly (`parse_grades`). A rating answer is a JSON object {"grade": G}
(one ```json fence allowed) or the whole answer is G alone; a dialogue answer is a JSON object
{"grades": [G, ...]}, a JSON list [G, ...], or one line per assistant turn ("G" or "Turn k: G").
G is one label of the scale (case, quotes, spacing and a final period aside) or its number
(1 = the lowest), numbers only when no label is itself a number. A dialogue answer gives exactly
one grade per assistant turn. Anything else raises `Unreadable` with the reason: never a guess."""

from __future__ import annotations

import json
import re
from string import Template

from comparisons.grading import DEFAULT_SCALE
from judges.prompting import FENCE, template_problems

DEFAULT_GRADING_TEMPLATE = """You are an impartial judge grading one AI assistant's response to a prompt.
$question

[Prompt]
$prompt

[Response]
$response

Grade the response on this scale, from the lowest grade to the highest:
$scale

Judge how well the response meets the requirements of the prompt; do not let its length or
style alone influence you. Answer with a JSON object and nothing else: {"grade": "<label>"},
where <label> is exactly one of $labels."""

DEFAULT_DIALOGUE_TEMPLATE = """You are an impartial judge grading each turn of an AI assistant in a conversation.
$question

[Prompt]
$prompt

[Conversation]
$response

Grade each of the assistant's $n_turns turns, as a reply to the user's message before it, on
this scale, from the lowest grade to the highest:
$scale

Do not let a turn's length or style alone influence you. Answer with a JSON object and nothing
else, holding exactly $n_turns grades, one per assistant turn in order:
{"grades": ["<label of turn 1>", ...]}, where each label is exactly one of $labels."""

GRADING_PLACEHOLDERS = ("question", "prompt", "response", "scale", "labels", "n_turns")
GRADING_REQUIRED = ("prompt", "response")

LIMA_MEANINGS = {
    "rating": (
        "the response does not meet the requirements of the prompt",
        "the response meets the requirements of the prompt",
        "the model provides an excellent response to the prompt",
    ),
    "dialogue": (
        "the turn does not meet the requirements of the user's message",
        "the turn meets them",
        "the turn is an excellent response to the user's message",
    ),
}
TURN_LINE = re.compile(r"^(?:turn\s*)?(\d+)\s*[:.)-]\s*(.+)$", re.IGNORECASE)


class Unreadable(ValueError):
    """The answer names no grade in an accepted form; `reason` says why (stored on the call)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def grading_template_problems(template: str) -> list[str]:
    """Why a grading template cannot be used (empty when it can)."""
    return template_problems(template, placeholders=GRADING_PLACEHOLDERS, required=GRADING_REQUIRED)


def scale_text(scale: list[str], *, dialogue: bool) -> str:
    """The scale as the grader reads it: LIMA's meanings for LIMA's scale, else the labels."""
    meanings = LIMA_MEANINGS["dialogue" if dialogue else "rating"] if tuple(scale) == DEFAULT_SCALE else None
    lines = [f"{i}. {label}" + (f": {meanings[i - 1]}." if meanings else "") for i, label in enumerate(scale, start=1)]
    return "\n".join(lines)


def render_dialogue(turns: list[dict[str, str]]) -> str:
    """A dialogue response turn by turn, each assistant turn numbered from 1."""
    parts, number = [], 0
    for turn in turns:
        if turn["role"] == "assistant":
            number += 1
            parts.append(f"[Assistant, turn {number}]\n{turn['content']}")
        else:
            parts.append(f"[User]\n{turn['content']}")
    return "\n\n".join(parts)


def render_grading(
    template: str, *, question: str, prompt: str, response: str, scale: list[str], n_turns: int, dialogue: bool
) -> str:
    return Template(template).substitute(
        question=question,
        prompt=prompt,
        response=response,
        scale=scale_text(scale, dialogue=dialogue),
        labels=", ".join(f'"{label}"' for label in scale),
        n_turns=str(n_turns),
    )


def _norm(text: str) -> str:
    return " ".join(text.strip().strip("\"'`*").strip().rstrip(".").split()).casefold()


def read_grade(value: object, scale: list[str]) -> int:
    """The index (0 = lowest) of one grade: a label, or its number 1..n when no label is a number."""
    numeric_labels = any(label.strip().isdigit() for label in scale)
    by_label = {_norm(label): i for i, label in enumerate(scale)}
    if isinstance(value, str):
        text = _norm(value)
        if text in by_label:
            return by_label[text]
        if text.isdigit() and not numeric_labels:
            value = int(text)
        else:
            raise Unreadable(f"{value.strip()[:80]!r} is not one of the scale's labels ({', '.join(scale)})")
    if isinstance(value, int) and not isinstance(value, bool) and not numeric_labels:
        if 1 <= value <= len(scale):
            return value - 1
        raise Unreadable(f"grade number {value} is outside 1 to {len(scale)}")
    raise Unreadable(f"{json.dumps(value)[:80]} is not one of the scale's labels ({', '.join(scale)})")


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        raise Unreadable("the answer looks like JSON but does not parse") from None


def _lines(text: str, scale: list[str]) -> list[object]:
    """One grade per non-empty line: a label alone, or "Turn k: label" on the k-th line."""
    labels = {_norm(label) for label in scale}
    values: list[object] = []
    for k, line in enumerate((line.strip() for line in text.splitlines() if line.strip()), start=1):
        numbered = TURN_LINE.match(line)
        if numbered and _norm(line) not in labels:
            if int(numbered.group(1)) != k:
                raise Unreadable(f"line {k} is numbered as turn {numbered.group(1)}")
            line = numbered.group(2)
        values.append(line)
    return values


def parse_grades(answer: str, scale: list[str], n_turns: int | None) -> list[int]:
    """The grade indices of `answer`: one for a rating (`n_turns` None), `n_turns` for a dialogue.
    Unreadable (with the reason) when the answer is not exactly one accepted form."""
    text = answer.strip()
    fenced = FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    key = "grade" if n_turns is None else "grades"
    if text.startswith("{"):
        data = _json(text)
        if not isinstance(data, dict) or key not in data:
            raise Unreadable(f'the JSON answer has no "{key}"')
        values = data[key]
    elif text.startswith("[") and n_turns is not None:
        values = _json(text)
    elif fenced:
        raise Unreadable("a fenced answer must be a JSON object")
    elif not text:
        raise Unreadable("the answer is empty")
    else:
        values = text if n_turns is None else _lines(text, scale)
    if n_turns is None:
        return [read_grade(values, scale)]
    if not isinstance(values, list):
        raise Unreadable(f'"{key}" must be a list of {n_turns} grades, one per assistant turn')
    if len(values) != n_turns:
        plural = "" if len(values) == 1 else "s"
        raise Unreadable(f"{len(values)} grade{plural} for {n_turns} assistant turns: one per turn is needed")
    return [read_grade(v, scale) for v in values]
