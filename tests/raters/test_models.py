"""The database keeps the raters' invariants even when a service is bypassed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from raters.models import Assignment, Rater, Vote
from tests.factories import ComparisonFactory, RaterFactory

pytestmark = pytest.mark.django_db


def vote(rater, comparison, **fields):
    defaults = dict(
        rater=rater,
        comparison=comparison,
        shown_left=comparison.left_response,
        shown_right=comparison.right_response,
        choice="left",
        seconds=3.0,
    )
    return Vote.objects.create(**(defaults | fields))


def test_a_second_vote_by_one_rater_on_one_comparison_is_refused():
    comparison = ComparisonFactory()
    rater = RaterFactory(study=comparison.study)
    vote(rater, comparison)
    with pytest.raises(IntegrityError), transaction.atomic():
        vote(rater, comparison, choice="right")
    assert Vote.objects.count() == 1


def test_a_vote_showing_one_response_on_both_sides_is_refused():
    comparison = ComparisonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        vote(RaterFactory(study=comparison.study), comparison, shown_right=comparison.left_response)


def test_a_rater_id_is_unique_per_study_but_not_across_studies():
    rater = RaterFactory(external_id="P1")
    RaterFactory(external_id="P1")
    with pytest.raises(IntegrityError), transaction.atomic():
        RaterFactory(external_id="P1", study=rater.study)
    assert Rater.objects.filter(external_id="P1").count() == 2


def test_a_rater_holds_at_most_one_pending_assignment_and_each_pair_once():
    first, second = ComparisonFactory(), ComparisonFactory()
    rater = RaterFactory(study=first.study)
    now = timezone.now()
    lease = dict(rater=rater, swapped=False, served_at=now, expires_at=now + timedelta(minutes=10))
    Assignment.objects.create(comparison=first, **lease)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(comparison=second, **lease)
    Assignment.objects.filter(rater=rater).update(state=Assignment.State.VOTED)
    Assignment.objects.create(comparison=second, **lease)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(comparison=first, **(lease | {"state": Assignment.State.EXPIRED}))


def test_assignment_tokens_are_opaque_and_distinct():
    comparison = ComparisonFactory()
    now = timezone.now()
    tokens = {
        Assignment.objects.create(
            rater=RaterFactory(study=comparison.study),
            comparison=comparison,
            swapped=False,
            served_at=now,
            expires_at=now,
        ).token
        for _ in range(5)
    }
    assert len(tokens) == 5 and all(len(t) >= 30 and str(comparison.pk) != t for t in tokens)


def test_a_rater_holds_at_most_one_pending_lease_and_tokens_are_unique():
    """The partial unique index survives migration 0003 (which drops the plain indexes)."""
    comparison = ComparisonFactory()
    other = ComparisonFactory(study=comparison.study)
    rater = RaterFactory(study=comparison.study)
    now = timezone.now()
    lease = dict(rater=rater, swapped=False, served_at=now, expires_at=now + timedelta(minutes=10))
    first = Assignment.objects.create(comparison=comparison, **lease)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(comparison=other, **lease)
    Assignment.objects.filter(pk=first.pk).update(state="voted")
    Assignment.objects.create(comparison=other, **lease)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            comparison=other,
            rater=RaterFactory(study=comparison.study),
            token=first.token,
            swapped=False,
            served_at=now,
            expires_at=now,
        )
