"""What a judge is asked and how its answer is read (pure Python).

The prompt is a `string.Template` filled with the study's question and choices, the prompt
(a conversation is shown turn by turn) and the two responses as shown, A first.

Verdicts are parsed strictly: the whole answer is a JSON object whose "verdict" is "A", "B" or
"tie" (or "both_bad", only when the study offers "both are bad") (a single ```json fence around
it is allowed), or the whole answer is exactly one of the study's choice labels (case and a final
period aside). Anything else is unparseable: stored and counted, never guessed."""

from __future__ import annotations

import json
import re
from string import Template

DEFAULT_TEMPLATE = """You are an impartial judge comparing two AI assistants' responses to the same prompt.
$question

[Prompt]
$prompt

[Response A]
$response_a

[Response B]
$response_b

Choose exactly one:
- "A": $choice_a
- "B": $choice_b
- "tie": $choice_tie

Do not let the order in which the responses appear, their length, or the assistants' names
influence you. Answer with a JSON object and nothing else: {"verdict": "A"}, {"verdict": "B"}
or {"verdict": "tie"}."""

# For a study that offers "both are bad" (the judge's template is the default one).
DEFAULT_TEMPLATE_BOTH_BAD = DEFAULT_TEMPLATE.replace(
    '- "tie": $choice_tie\n', '- "tie": $choice_tie\n- "both_bad": $choice_both_bad\n'
).replace('\nor {"verdict": "tie"}.', ', {"verdict": "tie"}\nor {"verdict": "both_bad"}.')

PLACEHOLDERS = (
    "question",
    "prompt",
    "response_a",
    "response_b",
    "choice_a",
    "choice_b",
    "choice_tie",
    "choice_both_bad",
)
REQUIRED = ("prompt", "response_a", "response_b")
FENCE = re.compile(r"^```(?:json)?\s*\n?(.*?)\n?```$", re.DOTALL | re.IGNORECASE)


def template_problems(
    template: str, *, placeholders: tuple[str, ...] = PLACEHOLDERS, required: tuple[str, ...] = REQUIRED
) -> list[str]:
    """Why a template cannot be used (empty when it can): the pairwise placeholders by default,
    a grader's (judges.grading_prompt) when given."""
    try:
        names = {
            m.group("named") or m.group("braced")
            for m in Template.pattern.finditer(template)
            if m.group("named") or m.group("braced")
        }
        invalid = [m for m in Template.pattern.finditer(template) if m.group("invalid") is not None]
    except re.error:  # pragma: no cover
        return ["is not a valid template"]
    problems = [
        f"uses unknown placeholder ${n}; known: {', '.join('$' + p for p in placeholders)}"
        for n in sorted(names - set(placeholders))
    ]
    problems += [f"must contain ${n}" for n in required if n not in names]
    if invalid:
        problems.append("has a lone $ (write $$ for a dollar sign)")
    return problems


def render_prompt(text: str, turns: list[dict]) -> str:
    if not turns:
        return text
    return "\n\n".join(f"{t['role'].capitalize()}: {t['content']}" for t in turns)


def render(
    template: str, *, question: str, prompt: str, response_a: str, response_b: str, choices: dict[str, str]
) -> str:
    return Template(template).substitute(
        question=question,
        prompt=prompt,
        response_a=response_a,
        response_b=response_b,
        choice_a=choices["a"],
        choice_b=choices["b"],
        choice_tie=choices["tie"],
        choice_both_bad=choices.get("both_bad", ""),
    )


def parse_verdict(answer: str, choices: dict[str, str]) -> str | None:
    """ "A", "B", "tie", "both_bad" (only when `choices` has "both_bad": the study offers it), or
    None when the answer is not exactly one of the accepted forms."""
    verdicts = {"a": "A", "b": "B", "tie": "tie"} | ({"both_bad": "both_bad"} if "both_bad" in choices else {})
    text = answer.strip()
    fenced = FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        value = data.get("verdict") if isinstance(data, dict) else None
        if not isinstance(value, str):
            return None
        return verdicts.get(value.strip().lower())
    if fenced:
        return None
    label = _label(text)
    by_label = {_label(choices[key]): verdict for key, verdict in verdicts.items()}
    return by_label.get(label) if len(by_label) == len(verdicts) else None


def _label(text: str) -> str:
    return " ".join(text.strip().strip('"').rstrip(".").split()).lower()
