"""Recording votes: sides as shown, derived winner, time on task, double submits, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from comparisons.errors import InvalidInput
from comparisons.models import Comparison, Study
from raters import services
from raters.errors import Conflict, LeaseExpired, Refused
from raters.models import Assignment, Vote
from tests.factories import GoldPairFactory, RaterFactory
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db


def lease(rater, now=None) -> Assignment:
    assignment = services.assignment_next(rater=rater, now=now).assignment
    assert assignment is not None
    return assignment


@pytest.mark.parametrize("choice", ["left", "right", "tie"])
def test_the_winner_is_derived_from_the_choice_and_the_sides_as_shown(study, choice):
    rater = RaterFactory(study=study)
    a = lease(rater)
    vote = services.vote_submit(rater=rater, token=a.token, choice=choice).vote
    c = Comparison.objects.get(pk=a.comparison_id)
    shown = (c.right_response, c.left_response) if a.swapped else (c.left_response, c.right_response)
    assert (vote.shown_left, vote.shown_right) == shown
    expected = {"left": shown[0].system_id, "right": shown[1].system_id, "tie": None}[choice]
    assert vote.winner_id == expected and vote.choice == choice


def test_a_pairwise_vote_reads_no_response_text(study):
    """Counting a dialogue's turns reads the response's text: only a dialogue or per-turn vote
    does it; a plain vote on the rater's path makes no such query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rater = RaterFactory(study=study)
    a = lease(rater)
    with CaptureQueriesContext(connection) as queries:
        services.vote_submit(rater=rater, token=a.token, choice="left")
    assert len(queries) > 0
    assert not [q["sql"] for q in queries if '"comparisons_response"."text"' in q["sql"]]


def test_time_on_task_is_measured_from_serving_on_the_server_clock(study):
    rater = RaterFactory(study=study)
    now = timezone.now()
    a = lease(rater, now)
    vote = services.vote_submit(rater=rater, token=a.token, choice="tie", now=now + timedelta(seconds=42.5)).vote
    assert vote.seconds == pytest.approx(42.5)


def test_a_double_submit_returns_the_stored_vote_and_changes_nothing(study):
    rater = RaterFactory(study=study)
    a = lease(rater)
    first = services.vote_submit(rater=rater, token=a.token, choice="left", rationale="clearer")
    second = services.vote_submit(rater=rater, token=a.token, choice="right")
    assert second.duplicate and second.vote.pk == first.vote.pk
    assert Vote.objects.get().choice == "left" and Vote.objects.get().rationale == "clearer"


def test_a_vote_on_another_raters_pair_or_an_unknown_token_is_refused(study):
    owner, intruder = RaterFactory(study=study), RaterFactory(study=study)
    a = lease(owner)
    for token in (a.token, "nonsense", ""):
        with pytest.raises(Refused) as exc:
            services.vote_submit(rater=intruder, token=token, choice="left")
        assert "not one we gave you" in exc.value.detail
    assert not Vote.objects.exists() and Assignment.objects.get(pk=a.pk).state == Assignment.State.PENDING


@pytest.mark.parametrize(
    ("fields", "field"), [({"choice": "A"}, "choice"), ({"choice": "left", "rationale": "x" * 5001}, "rationale")]
)
def test_a_bad_choice_or_rationale_is_refused_naming_the_field(study, fields, field):
    rater = RaterFactory(study=study)
    with pytest.raises(InvalidInput) as exc:
        services.vote_submit(rater=rater, token=lease(rater).token, **fields)
    assert exc.value.errors[0].field == field and not Vote.objects.exists()


def test_a_late_vote_is_kept_while_its_slot_is_free():
    study = open_study(prompts=1, votes_per_comparison=1)
    now = timezone.now()
    slow = RaterFactory(study=study)
    a = lease(slow, now)
    vote = services.vote_submit(rater=slow, token=a.token, choice="left", now=now + timedelta(minutes=15)).vote
    assert vote.seconds == pytest.approx(900)


def test_a_late_vote_is_refused_once_its_slot_went_to_another_rater():
    study = open_study(prompts=1, votes_per_comparison=1)
    now, late = timezone.now(), timezone.now() + timedelta(minutes=15)
    slow, quick = RaterFactory(study=study), RaterFactory(study=study)
    a = lease(slow, now)
    services.vote_submit(rater=quick, token=lease(quick, late).token, choice="tie", now=late)
    with pytest.raises(LeaseExpired):
        services.vote_submit(rater=slow, token=a.token, choice="left", now=late)
    assert Assignment.objects.get(pk=a.pk).state == Assignment.State.EXPIRED
    assert Vote.objects.count() == 1


def test_a_closed_study_takes_no_more_votes(study):
    rater = RaterFactory(study=study)
    a = lease(rater)
    Study.objects.filter(pk=study.pk).update(status=Study.Status.CLOSED)
    with pytest.raises(Conflict):
        services.vote_submit(rater=rater, token=a.token, choice="left")


def test_votes_on_gold_pairs_are_flagged_and_marking_gold_later_flags_earlier_votes():
    study = open_study(prompts=2, gold_rate=1.0)
    comparisons = list(Comparison.objects.filter(study=study))
    GoldPairFactory(comparison=comparisons[0])
    rater = RaterFactory(study=study)
    a = lease(rater)
    assert a.is_gold and services.vote_submit(rater=rater, token=a.token, choice="tie").vote.is_gold
    b = lease(rater)
    assert not services.vote_submit(rater=rater, token=b.token, choice="tie").vote.is_gold
    services.gold_set(comparison=comparisons[1], expected="tie")
    assert Vote.objects.filter(is_gold=True).count() == 2
    services.gold_remove(comparison=comparisons[1])
    assert Vote.objects.filter(is_gold=True).count() == 1
