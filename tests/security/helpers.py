"""Builders of the attack tests: a rater who votes through the services, as the pages do."""

from __future__ import annotations

from comparisons.models import Study
from raters import services
from raters.models import Rater, Vote


def vote_as(study: Study, pid: str, *, choice: str = "left", rationale: str = "", pairs: int = 1) -> Rater:
    """Enter `study` as Prolific rater `pid`, consent, and vote on `pairs` pairs."""
    rater = services.rater_consent(rater=services.rater_enter_prolific(study=study, pid=pid))
    for _ in range(pairs):
        nxt = services.assignment_next(rater=rater)
        assert nxt.state == "assigned" and nxt.assignment is not None, nxt.state
        services.vote_submit(rater=rater, token=nxt.assignment.token, choice=choice, rationale=rationale)
    return rater


def counted(comparison_id: int) -> int:
    """Votes that count on a comparison: not gold, rater not excluded, not a judge."""
    return (
        Vote.objects.filter(comparison_id=comparison_id, is_gold=False, rater__excluded=False)
        .exclude(rater__source=Rater.Source.JUDGE)
        .count()
    )
