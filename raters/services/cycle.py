"""A vote cycle of the rater pages: record the vote and hand out the next pair, in one
transaction (issue 13).

The transaction locks the rater's row first (as every transaction of a rater's path does),
then the assignment of the vote's token, counting the rater's pairs in that statement (it
runs after the rater's lock was granted, so it sees every pair committed before), records the
vote (raters.services.voting.vote_locked) and goes on to the next pair with the counts it
already has (raters.services.assignment.next_locked): one BEGIN and one COMMIT per cycle
instead of two of each, and no second lock and count of the rater. The commit is durable, as a vote's
must be. A refused vote (not the rater's token, a closed study, an answer the form cannot
take) rolls the whole transaction back and raises, as `vote_submit` does; a lapsed lease whose
slot went to another rater is marked expired and the cycle hands out a new pair with a notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from comparisons.models import Study
from raters import sql
from raters.models import Rater
from raters.services.assignment import Next, next_locked
from raters.services.entry import rater_settings_get
from raters.services.voting import LEASE_TAKEN, vote_checked, vote_locked


@dataclass(frozen=True)
class Cycle:
    """What the rater sees after posting a vote: `next`, and `notice` (why the vote was not
    recorded, when it was not; "" otherwise)."""

    next: Next
    notice: str = ""


def vote_cycle(
    *,
    rater: Rater,
    study: Study,
    token: str,
    choice: str,
    rationale: str = "",
    now: datetime | None = None,
    grade: object = None,
    turn_grades: object = None,
    turn_choices: object = None,
) -> Cycle:
    """Record `rater`'s vote on `token` (the arguments of `vote_submit`) and give them their
    next pair (as `assignment_next`), in one transaction. `study` is the rater's, loaded in
    this request; a resent vote (the token already voted on) is the stored one, and the
    answer is the rater's pending pair."""
    now = now or timezone.now()
    grade, rationale, token = vote_checked(rater=rater, token=token, choice=choice, rationale=rationale, grade=grade)
    rater.study = study
    settings = rater_settings_get(study=study)
    with transaction.atomic():
        excluded = sql.lock_rater_row(rater.pk)  # durable: this transaction writes the vote
        if excluded is None:
            raise Rater.DoesNotExist(f"Rater {rater.pk} is gone.")
        # The lease of the token, locked, with the rater's pairs counted under the rater's lock
        assignment = sql.assignment_for_vote(token, counts_of=rater.pk)
        served, done = assignment.rater_counts if assignment is not None else (0, 0)  # type: ignore[attr-defined]
        result = vote_locked(
            locked=assignment,
            rater=rater,
            token=token,
            choice=choice,
            rationale=rationale,
            simulated=False,
            now=now,
            grade=grade,
            turn_grades=turn_grades,
            turn_choices=turn_choices,
        )
        if result is not None and not result.duplicate:
            done += 1  # the vote just recorded, under the rater's lock
        if study.status != Study.Status.OPEN:
            nxt = Next("closed", quota=settings.quota)
        else:
            nxt = next_locked(rater, settings, now, excluded, served, done)
    return Cycle(nxt, notice=LEASE_TAKEN if result is None else "")
