"""The one builder of Vote rows. Every writer goes through `vote_build`: the rater form
(raters.services.voting), vote import (raters.services.vote_import), LLM judges
(judges.services) and the demo's simulation (demo.simulate).

It derives what must never be set by hand: the winner from the choice and the shown sides,
and `is_gold` from the comparison (a vote on a gold pair or attention check is a gold vote,
whoever wrote it, so it never counts in results). Provenance is one of the `Provenance`
values, so `imported` and `simulated` are never both set. The rater (and so the vote's group
and source) is the caller's: judges vote as their judge rater, imports as imported raters."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from raters.models import GoldPair, Vote


class Provenance(enum.Enum):
    """Where a vote came from: a person on our pages (or a judge we called), a file a
    researcher imported, or the demo's simulation."""

    COLLECTED = "collected"
    IMPORTED = "imported"
    SIMULATED = "simulated"


def gold_comparison_ids(comparison_ids: Iterable[int]) -> set[int]:
    """The gold pairs and attention checks among `comparison_ids`."""
    ids = list(set(comparison_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        found |= set(
            GoldPair.objects.filter(comparison_id__in=ids[start : start + 5000]).values_list("comparison_id", flat=True)
        )
    return found


def vote_build(
    *,
    rater_id: int,
    comparison_id: int,
    left: tuple[int, int],
    right: tuple[int, int] | None,
    choice: str,
    seconds: float,
    is_gold: bool,
    rationale: str = "",
    assignment_id: int | None = None,
    provenance: Provenance = Provenance.COLLECTED,
    grade: int | None = None,
    turn_grades: list[int] | None = None,
    turn_choices: list[str] | None = None,
) -> Vote:
    """An unsaved Vote. `left` and `right` are the shown (response id, system id);
    `choice` is "left", "right", "tie" or "both_bad" as shown (the winner of the last two is
    null; whether the study offers "both_bad" is the caller's check); `is_gold` is whether the comparison is a
    gold pair (from `gold_comparison_ids`, or the assignment's flag on the rater path).
    A rating vote shows one response (`right` None) and has the choice "grade" with `grade`,
    or "turns" with `turn_grades` (a dialogue); whether they fit the study's scale and the
    dialogue's turns is the caller's check (raters.services.grading). A per-turn vote shows
    two continuations and has the choice "per_turn" with `turn_choices` (one pairwise choice
    per assistant turn, as shown); its winner is the system chosen in more turns (`majority`)."""
    if choice not in Vote.Choice.values:
        raise ValueError(f"choice must be one of {Vote.Choice.values}, not {choice!r}")
    graded = choice in (Vote.Choice.GRADE, Vote.Choice.TURNS)
    if graded != (right is None):
        raise ValueError("a rating vote shows one response, a pairwise vote two")
    if (choice == Vote.Choice.GRADE) != (grade is not None) or (choice == Vote.Choice.TURNS) != (
        turn_grades is not None
    ):
        raise ValueError('a "grade" vote has a grade, a "turns" vote turn grades, a pairwise vote neither')
    if (choice == Vote.Choice.PER_TURN) != (turn_choices is not None):
        raise ValueError('a "per_turn" vote, and only it, has turn choices')
    if turn_choices is not None and (not turn_choices or any(c not in Vote.PAIRWISE for c in turn_choices)):
        raise ValueError(f"turn choices must be a non-empty list of {Vote.PAIRWISE}")
    winners: dict[str, int] = {Vote.Choice.LEFT: left[1], Vote.Choice.RIGHT: right[1]} if right else {}
    winner = winners.get(majority(turn_choices) if turn_choices is not None else choice)
    return Vote(
        rater_id=rater_id,
        comparison_id=comparison_id,
        assignment_id=assignment_id,
        shown_left_id=left[0],
        shown_right_id=right[0] if right else None,
        choice=choice,
        grade=grade,
        turn_grades=list(turn_grades) if turn_grades is not None else None,
        turn_choices=list(turn_choices) if turn_choices is not None else None,
        winner_id=winner,
        seconds=max(0.0, float(seconds)),
        rationale=rationale,
        is_gold=is_gold,
        imported=provenance is Provenance.IMPORTED,
        simulated=provenance is Provenance.SIMULATED,
    )


def majority(turn_choices: list[str]) -> str:
    """The side chosen in more turns than the other ("left" or "right"), else "tie"."""
    lead = turn_choices.count(Vote.Choice.LEFT) - turn_choices.count(Vote.Choice.RIGHT)
    return Vote.Choice.LEFT if lead > 0 else Vote.Choice.RIGHT if lead < 0 else Vote.Choice.TIE


def choice_for(
    *, winner_system_id: int | None, left_system_id: int, right_system_id: int, both_bad: bool = False
) -> str:
    """The choice as shown that names `winner_system_id` (None: a tie, or "both_bad" when
    `both_bad`)."""
    if both_bad:
        if winner_system_id is not None:
            raise ValueError("a both-bad vote names no winner")
        return Vote.Choice.BOTH_BAD
    if winner_system_id is None:
        return Vote.Choice.TIE
    if winner_system_id == left_system_id:
        return Vote.Choice.LEFT
    if winner_system_id == right_system_id:
        return Vote.Choice.RIGHT
    raise ValueError(f"system {winner_system_id} is on neither side")
