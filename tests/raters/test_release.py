"""Releasing a rater's leases at once (a Prolific participant who returned the study)."""

from __future__ import annotations

import pytest

from raters import services
from raters.models import Assignment, Coverage

pytestmark = pytest.mark.django_db


def test_releasing_frees_the_pending_pair_at_once_and_a_second_release_finds_nothing(study):
    rater = services.rater_enter_prolific(study=study, pid="P1")
    held = services.assignment_next(rater=rater).assignment
    assert Coverage.objects.get(pk=held.comparison_id).filled == 1
    assert services.rater_leases_release(rater=rater) == 1
    held.refresh_from_db()
    assert held.state == Assignment.State.EXPIRED and Coverage.objects.get(pk=held.comparison_id).filled == 0
    assert services.rater_leases_release(rater=rater) == 0
    other = services.rater_enter_prolific(study=study, pid="P2")
    assert services.assignment_next(rater=other).assignment is not None
