"""What a rating vote may say: a grade on the study's scale, or for a dialogue one grade per
assistant turn. One check for every writer (the rater form, vote import, LLM graders, the demo)."""

from __future__ import annotations

from comparisons.grading import assistant_turns
from comparisons.models import Response, Study
from raters.errors import invalid


def parse_grade(value: object, study: Study, field: str = "grade") -> int:
    """The grade index (0 = the scale's lowest label) of `value`: an integer index or a label
    of the scale (case-insensitive). InvalidInput naming `field` otherwise."""
    scale = list(study.scale)
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        by_label = {label.casefold(): i for i, label in enumerate(scale)}
        if value.strip().casefold() in by_label:
            return by_label[value.strip().casefold()]
        raise invalid(
            field, f"must be one of the scale's labels ({', '.join(scale)}) or an index 0 to {len(scale) - 1}"
        )
    if isinstance(value, str):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(scale):
        raise invalid(field, f"must be an index 0 to {len(scale) - 1} into the scale ({', '.join(scale)}) or a label")
    return value


def parse_turn_grades(values: object, study: Study, n_turns: int, field: str = "turn_grades") -> list[int]:
    """One grade per assistant turn (`n_turns`), each as `parse_grade` reads it."""
    if not isinstance(values, list) or len(values) != n_turns:
        raise invalid(field, f"must be a list of {n_turns} grades, one per assistant turn")
    return [parse_grade(v, study, field) for v in values]


def assistant_turn_count(response_id: int) -> int:
    """How many assistant turns the response (a dialogue) has: the grades a vote on it gives."""
    text = Response.objects.filter(pk=response_id).values_list("text", flat=True).first() or ""
    return assistant_turns(text)


def parse_turn_choices(values: object, study: Study, n_turns: int, field: str = "turn_choices") -> list[str]:
    """One pairwise choice per assistant turn (`n_turns`) of a per-turn study, as shown: "left",
    "right", "tie", or "both_bad" when the study offers it. InvalidInput naming `field` and the
    first turn left unanswered or answered with something else."""
    offered = ["left", "right", "tie"] + (["both_bad"] if study.offer_both_bad else [])
    if not isinstance(values, list) or len(values) != n_turns:
        got = f"{len(values)} choices" if isinstance(values, list) else "no list"
        raise invalid(field, f"must be a list of {n_turns} choices, one per assistant turn ({got} given)")
    for i, value in enumerate(values, start=1):
        if value in (None, ""):
            raise invalid(field, f"turn {i} is not answered")
        if value not in offered:
            raise invalid(field, f"turn {i}: {str(value)[:20]!r} is not one of {', '.join(offered)}")
    return [str(v) for v in values]


def check_vote_kind(study: Study, choice: str) -> None:
    """A rating study takes grades, a pairwise study choices, a per-turn study a choice per
    turn: InvalidInput naming the field."""
    if study.per_turn and choice != "per_turn":
        raise invalid("turn_choices", "this study compares each assistant turn: give turn_choices, one per turn")
    if not study.per_turn and choice == "per_turn":
        raise invalid("turn_choices", "this study does not compare turn by turn (per_turn is off): give a choice")
    if study.is_rating and choice not in ("grade", "turns"):
        raise invalid("choice", "this is a rating study: give a grade on its scale, not a pairwise choice")
    if not study.is_rating and choice in ("grade", "turns"):
        raise invalid("grade", "this is a pairwise study: choose left, right or tie, not a grade")
    if study.design == Study.Design.DIALOGUE and choice != "turns":
        raise invalid("turn_grades", "this is a dialogue study: give one grade per assistant turn")
    if study.design == Study.Design.RATING and choice != "grade":
        raise invalid("turn_grades", "this is a rating study of single responses: give one grade, not turn_grades")
