"""Recording a vote on the rater's own pair.

A vote names the assignment by its opaque token. Submitting it twice (double click, back
button, a resent form) returns the stored vote; a token that is not the rater's is refused
with the same message as an unknown one, so nothing about other raters can be learned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from comparisons.models import Study
from comparisons.text import text_problem
from raters import sql
from raters.errors import Conflict, LeaseExpired, Refused, invalid
from raters.models import Assignment, Rater, Vote
from raters.services.coverage import filled_hinted, lock_slot
from raters.services.grading import (
    assistant_turn_count,
    check_vote_kind,
    parse_grade,
    parse_turn_choices,
    parse_turn_grades,
)
from raters.services.votes import Provenance, vote_build

MAX_RATIONALE = 5000
NOT_YOURS = "This pair is not one we gave you. Please continue with the pair on your screen."


@dataclass(frozen=True)
class VoteResult:
    vote: Vote
    duplicate: bool


LEASE_TAKEN = "You kept this pair for longer than we could hold it, so it went to another rater. Here is a new one."


def vote_submit(
    *,
    rater: Rater,
    token: str,
    choice: str,
    rationale: str = "",
    simulated: bool = False,
    now: datetime | None = None,
    grade: object = None,
    turn_grades: object = None,
    turn_choices: object = None,
) -> VoteResult:
    """Record `rater`'s choice ("left", "right", "tie", or "both_bad" when the study offers it;
    as shown) on the assignment `token`; in a rating study the choice "grade" with `grade`
    (an index into the scale or a label), in a dialogue study "turns" with `turn_grades`, in a
    per-turn study "per_turn" with `turn_choices` (one per assistant turn, as shown).
    The rater pages record a vote and hand out the next pair in one transaction instead
    (raters.services.cycle), through the same `vote_checked` and `vote_locked`."""
    now = now or timezone.now()
    grade, rationale, token = vote_checked(rater=rater, token=token, choice=choice, rationale=rationale, grade=grade)
    with transaction.atomic():
        # The rater's row first, as on every transaction of a rater's path (no lock-order deadlock).
        if sql.lock_rater_row(rater.pk) is None:  # (its pairs are not counted: not needed here)
            raise Rater.DoesNotExist(f"Rater {rater.pk} is gone.")
        result = vote_locked(
            rater=rater,
            token=token,
            choice=choice,
            rationale=rationale,
            simulated=simulated,
            now=now,
            grade=grade,
            turn_grades=turn_grades,
            turn_choices=turn_choices,
        )
    if result is None:
        raise LeaseExpired(LEASE_TAKEN)
    return result


def vote_checked(
    *, rater: Rater, token: str, choice: str, rationale: str, grade: object
) -> tuple[int | None, str, str]:
    """(grade, rationale, token) of a vote as posted, checked before any statement runs:
    InvalidInput for a choice, grade or comment the study cannot take, Refused for a token
    that cannot be one of ours."""
    grade = _check_choice(rater, choice, grade)
    rationale = (rationale or "").strip()
    if len(rationale) > MAX_RATIONALE:
        raise invalid("rationale", f"is {len(rationale)} characters long; please keep it under {MAX_RATIONALE}")
    if text_problem(rationale):
        raise invalid(
            "rationale",
            "contains characters we cannot store (invisible or control characters); please retype it without them",
        )
    token = str(token or "")[:64]
    if text_problem(token):
        raise Refused(NOT_YOURS)
    return grade, rationale, token


def vote_locked(
    *,
    rater: Rater,
    token: str,
    choice: str,
    rationale: str,
    simulated: bool,
    now: datetime,
    grade: int | None,
    turn_grades: object,
    turn_choices: object,
    locked: Assignment | None = None,
) -> VoteResult | None:
    """The vote of `vote_checked`'s values, inside the caller's transaction, which holds the
    rater's row lock; `locked` is the assignment of `token` when the caller locked it already
    (sql.assignment_for_vote). None when the lease lapsed and its slot went to another rater
    (the lease is marked expired: commit, then tell the rater); Refused, Conflict or
    InvalidInput leave the transaction to be rolled back."""
    assignment = locked if locked is not None else sql.assignment_for_vote(token)
    if assignment is None or assignment.rater_id != rater.pk:
        raise Refused(NOT_YOURS)
    if assignment.state == Assignment.State.VOTED:
        return VoteResult(Vote.objects.get(assignment=assignment), duplicate=True)
    study = rater.study
    if assignment.study_status != Study.Status.OPEN:  # type: ignore[attr-defined]  # from sql.assignment_for_vote
        raise Conflict("This study has closed, so no more answers can be recorded. Thank you for your time.")
    lapsed = assignment.state == Assignment.State.EXPIRED or assignment.expires_at <= now
    if lapsed and not _slot_free(assignment, study, now):
        Assignment.objects.filter(pk=assignment.pk).update(state=Assignment.State.EXPIRED)
        return None
    turn_grades, turn_choices = _turns(choice, study, assignment, turn_grades, turn_choices)
    vote = _record(assignment, rater, choice, rationale, simulated, now, grade, turn_grades, turn_choices)
    return VoteResult(vote, duplicate=False)


def _turns(choice: str, study: Study, assignment: Assignment, grades: object, choices: object) -> tuple[Any, Any]:
    """A dialogue vote's grades or a per-turn vote's choices, one per assistant turn of the
    shown response (the left one: a per-turn pair's continuations have as many turns)."""
    if choice not in (Vote.Choice.TURNS, Vote.Choice.PER_TURN):
        return grades, choices  # no turns to count: no query on a plain vote's path
    n_turns = assistant_turn_count(assignment.left_id)  # type: ignore[attr-defined]  # from sql.assignment_for_vote
    if choice == Vote.Choice.TURNS:
        return parse_turn_grades(grades, study, n_turns), None
    return None, parse_turn_choices(choices, study, n_turns)


def _check_choice(rater: Rater, choice: str, grade: object) -> int | None:
    """The grade of a rating vote read against the scale (None for other votes), or InvalidInput."""
    if choice not in Vote.Choice.values:
        raise invalid("choice", "please choose one of the answers")
    check_vote_kind(rater.study, choice)
    if choice == Vote.Choice.GRADE:
        return parse_grade(grade, rater.study)
    if grade is not None:
        raise invalid("grade", "is given only with the choice grade (a rating study)")
    if choice == Vote.Choice.BOTH_BAD and not rater.study.offer_both_bad:
        raise invalid("choice", "this study does not offer both_bad; choose left, right or tie")
    return None


def _record(
    assignment: Assignment,
    rater: Rater,
    choice: str,
    rationale: str,
    simulated: bool,
    now: datetime,
    grade: Any = None,
    turn_grades: Any = None,
    turn_choices: Any = None,
) -> Vote:
    # The shown responses and their systems, loaded by sql.assignment_for_vote:
    left = (assignment.left_id, assignment.left_system)  # type: ignore[attr-defined]
    stored_right = (assignment.right_id, assignment.right_system)  # type: ignore[attr-defined]
    right: tuple[int, int] | None = stored_right
    if assignment.right_id is None:  # type: ignore[attr-defined]  # a rating item: one response
        right = None
    elif assignment.swapped:
        left, right = stored_right, left
    return sql.vote_insert(
        vote_build(
            rater_id=rater.pk,
            comparison_id=assignment.comparison_id,
            assignment_id=assignment.pk,
            left=left,
            right=right,
            choice=choice,
            seconds=(now - assignment.served_at).total_seconds(),
            rationale=rationale,
            is_gold=assignment.is_gold,
            provenance=Provenance.SIMULATED if simulated else Provenance.COLLECTED,
            grade=grade,
            turn_grades=turn_grades,
            turn_choices=turn_choices,
        )
    )


def _slot_free(assignment: Assignment, study: Study, now: datetime) -> bool:
    """Whether a vote whose lease lapsed still fits (gold pairs always do)."""
    if assignment.is_gold:
        return True
    lock_slot(assignment.comparison_id, skip=False)
    exact = filled_hinted(assignment.comparison_id, now, cap=study.votes_per_comparison, excluding=assignment.pk)
    return exact < study.votes_per_comparison
