"""A vote cycle (raters.services.cycle): the vote and the next pair in one transaction, with
the invariants of the two services it joins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comparisons.models import Study
from raters import services, sql
from raters.errors import Conflict, Refused
from raters.models import Assignment, Vote
from tests.factories import RaterFactory
from tests.raters.conftest import open_study
from tests.raters.test_pages import enter, token_of

pytestmark = pytest.mark.django_db
TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def lease(rater, now=None) -> Assignment:
    assignment = services.assignment_next(rater=rater, now=now).assignment
    assert assignment is not None
    return assignment


def test_a_vote_cycle_records_the_vote_and_hands_out_an_unseen_pair(study):
    rater = RaterFactory(study=study)
    first = lease(rater)
    cycle = services.vote_cycle(rater=rater, study=study, token=first.token, choice="left")
    assert cycle.notice == "" and cycle.next.state == "assigned" and cycle.next.done == 1
    assert cycle.next.assignment is not None and cycle.next.assignment.comparison_id != first.comparison_id
    assert Vote.objects.get().assignment_id == first.pk
    assert Assignment.objects.get(pk=first.pk).state == Assignment.State.VOTED
    assert Assignment.objects.filter(rater=rater, state=Assignment.State.PENDING).count() == 1


def test_a_resent_cycle_keeps_one_vote_and_answers_with_the_same_pending_pair(study):
    rater = RaterFactory(study=study)
    token = lease(rater).token
    first = services.vote_cycle(rater=rater, study=study, token=token, choice="left")
    again = services.vote_cycle(rater=rater, study=study, token=token, choice="right")
    assert Vote.objects.count() == 1 and Vote.objects.get().choice == "left"
    assert first.next.assignment is not None and again.next.assignment is not None
    assert again.next.assignment.pk == first.next.assignment.pk and again.next.done == 1


def test_a_refused_cycle_writes_nothing(study):
    rater, other = RaterFactory(study=study), RaterFactory(study=study)
    token = lease(other).token
    lease(rater)
    with pytest.raises(Refused):
        services.vote_cycle(rater=rater, study=study, token=token, choice="left")
    assert not Vote.objects.exists() and Assignment.objects.filter(rater=rater).count() == 1


def test_a_cycle_on_a_study_closed_since_the_page_loaded_is_refused(study):
    rater = RaterFactory(study=study)
    token = lease(rater).token
    Study.objects.filter(pk=study.pk).update(status=Study.Status.CLOSED)
    with pytest.raises(Conflict):
        services.vote_cycle(rater=rater, study=study, token=token, choice="left")
    assert not Vote.objects.exists()


def test_a_late_vote_whose_slot_went_elsewhere_gives_a_notice_and_a_new_pair():
    study = open_study(prompts=2, votes_per_comparison=1)
    now, late = timezone.now(), timezone.now() + timedelta(minutes=15)
    slow, quick = RaterFactory(study=study), RaterFactory(study=study)
    taken = lease(slow, now)
    holding = {"swapped": False, "served_at": late, "expires_at": late + timedelta(minutes=10)}
    Assignment.objects.create(rater=quick, comparison_id=taken.comparison_id, **holding)  # the slot, now quick's
    cycle = services.vote_cycle(rater=slow, study=study, token=taken.token, choice="left", now=late)
    assert "went to another rater" in cycle.notice and cycle.next.state == "assigned"
    assert cycle.next.assignment is not None and cycle.next.assignment.comparison_id != taken.comparison_id
    assert Assignment.objects.get(pk=taken.pk).state == Assignment.State.EXPIRED
    assert not Vote.objects.exists()
    assert Assignment.objects.filter(rater=slow, state=Assignment.State.PENDING).count() == 1


def test_the_last_vote_of_the_quota_finishes_the_rater_in_the_same_transaction():
    study = open_study(prompts=3, quota=1)
    rater = RaterFactory(study=study)
    cycle = services.vote_cycle(rater=rater, study=study, token=lease(rater).token, choice="tie")
    assert cycle.next.state == "finished" and cycle.next.done == 1
    rater.refresh_from_db()
    assert rater.finished_at is not None and not Assignment.objects.filter(state=Assignment.State.PENDING).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the statement count of PostgreSQL")
def test_a_vote_posted_on_the_page_runs_one_transaction_of_eight_statements(client):
    """Before issue 13's part 3 a cycle ran two transactions and fourteen statements besides
    BEGIN and COMMIT: the rater's lookup, the vote's (lock the lease, insert the vote, mark the
    lease) and the lease's (lock the rater, count its pairs, the candidates, lock a comparison,
    count its fill, write its hint, insert the lease), then the pair's texts. Now: the lookup,
    lock the rater, lock the lease counting the rater's pairs, insert the vote marking the
    lease, the candidates, lock a comparison, count its fill writing its hint, insert the
    lease reading the pair's texts."""
    open_study(prompts=6, slug="blind", quota=5)
    enter(client)
    token = token_of(client.get("/r/blind/vote/").content.decode())
    token = token_of(client.post("/r/blind/vote/", {"token": token, "choice": "left"}).content.decode())
    with CaptureQueriesContext(connection) as queries:
        page = client.post("/r/blind/vote/", {"token": token, "choice": "right"})
    assert page.status_code == 200 and token_of(page.content.decode()) != token
    statements = [q["sql"] for q in queries.captured_queries]
    blocks = [s for s in statements if s.startswith("SAVEPOINT")]  # the test's own transaction wraps atomic()
    work = [s for s in statements if not s.startswith(TRANSACTION)]
    assert len(blocks) == 1, statements
    assert len(work) == 8, "\n".join(work)
    assert Vote.objects.count() == 2


def test_the_token_lock_counts_the_raters_pairs_as_lock_rater_does(study):
    rater = RaterFactory(study=study)
    services.vote_submit(rater=rater, token=lease(rater).token, choice="left")
    pending = lease(rater)
    with transaction.atomic():
        counted = sql.lock_rater(rater.pk)
        locked = sql.assignment_for_vote(pending.token, counts_of=rater.pk)
    assert counted is not None and locked is not None
    assert locked.rater_counts == counted[1:] == (2, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the texts come with the INSERT on PostgreSQL")
def test_a_new_lease_carries_the_texts_that_pair_texts_reads(study):
    rater = RaterFactory(study=study)
    new = lease(rater)
    assert new.texts == sql.pair_texts(new.comparison_id)
    shown = services.assignment_next(rater=rater).assignment  # the pending one, read again: no texts carried
    assert shown is not None and shown.pk == new.pk and not hasattr(shown, "texts")
