"""Rating studies' scales and dialogues (pure Python).

A rating study grades one response at a time on its `scale`, an ordered list of 2 to 10
labels, lowest first (default LIMA's Fail / Pass / Excellent, Zhou et al. 2023, section 4.3).
A dialogue study grades each assistant turn of a conversation: the response is the rest of the
conversation after the prompt, a list of turns {role, content} starting and ending with the
assistant's, stored as its canonical JSON text (`dialogue_text`, read back by `dialogue_turns`)."""

from __future__ import annotations

import json
from typing import Any

DEFAULT_SCALE = ("Fail", "Pass", "Excellent")
MIN_LABELS, MAX_LABELS = 2, 10
MAX_LABEL_CHARS = 100
RATING_QUESTION = "How well does the response meet the requirements of the prompt?"
LIMA_GUIDELINES = (
    "Read the question and the response, then grade the response:\n\n"
    "- **Fail**: the response does not meet the requirements of the prompt.\n"
    "- **Pass**: the response meets the requirements of the prompt.\n"
    "- **Excellent**: the model provides an excellent response to the prompt."
)
DIALOGUE_GUIDELINES = (
    "Read the whole conversation, then grade each of the assistant's turns:\n\n"
    "- **Fail**: the turn does not meet the requirements of the user's message.\n"
    "- **Pass**: the turn meets them.\n"
    "- **Excellent**: the turn is an excellent response to the user's message."
)


def scale_problem(scale: object) -> str | None:
    """Why `scale` is not a valid scale, or None."""
    if not isinstance(scale, list):
        return "must be a list of labels, lowest first"
    if not MIN_LABELS <= len(scale) <= MAX_LABELS:
        return f"must have {MIN_LABELS} to {MAX_LABELS} labels, not {len(scale)}"
    for label in scale:
        if not isinstance(label, str) or not label.strip():
            return "every label must be a non-empty string"
        if len(label) > MAX_LABEL_CHARS:
            return f"a label is longer than {MAX_LABEL_CHARS} characters"
    stripped = [label.strip().casefold() for label in scale]
    if len(set(stripped)) != len(stripped):
        return "labels must differ from each other"
    return None


def dialogue_problem(turns: object) -> str | None:
    """Why `turns` is not a dialogue response, or None."""
    if not isinstance(turns, list) or not turns:
        return "a dialogue response must be a non-empty list of turns {role, content}"
    for i, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict) or set(turn) != {"role", "content"}:
            return f"turn {i} must be an object with exactly role and content"
        if turn["role"] not in ("user", "assistant") or not isinstance(turn["content"], str):
            return f"turn {i} must have role 'user' or 'assistant' and a string content"
        if not turn["content"].strip():
            return f"turn {i} has empty content"
        expected = "assistant" if i % 2 else "user"
        if turn["role"] != expected:
            return f"turn {i} must be the {expected}'s: turns alternate, starting with the assistant"
    if turns[-1]["role"] != "assistant":
        return "the last turn must be the assistant's (each assistant turn is graded)"
    return None


def dialogue_text(turns: list[dict[str, str]]) -> str:
    """The stored text of a dialogue response: its turns' canonical JSON."""
    return json.dumps([{"role": t["role"], "content": t["content"]} for t in turns], ensure_ascii=False)


def dialogue_turns(text: str) -> list[dict[str, str]] | None:
    """The turns of a dialogue response's stored text, or None when it is not one."""
    if not text.startswith("[{"):
        return None
    try:
        turns: Any = json.loads(text)
    except ValueError:
        return None
    return turns if dialogue_problem(turns) is None else None


def assistant_turns(text: str) -> int:
    """How many assistant turns (graded units) a dialogue response has; 1 for a plain response."""
    turns = dialogue_turns(text)
    return 1 if turns is None else sum(1 for t in turns if t["role"] == "assistant")


MAX_PER_TURN = 100  # assistant turns of a per-turn study's continuation (results key turns by it)


def dialogue_skeleton(text: str) -> tuple[int, tuple[str, ...]] | None:
    """What two continuations compared turn by turn must share: the number of assistant turns
    and the user turns in between (their texts, in order); None when `text` is no dialogue."""
    turns = dialogue_turns(text)
    if turns is None:
        return None
    users = tuple(t["content"] for t in turns if t["role"] == "user")
    return len(users) + 1, users


def skeleton_difference(a: tuple[int, tuple[str, ...]], b: tuple[int, tuple[str, ...]]) -> str | None:
    """How two continuations' skeletons differ (`dialogue_skeleton`), in words, or None."""
    if a[0] != b[0]:
        return f"{a[0]} assistant turns against {b[0]}"
    for i, (x, y) in enumerate(zip(a[1], b[1], strict=True), start=1):
        if x != y:
            return f"user turn {i} differs"
    return None
