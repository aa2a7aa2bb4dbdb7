"""A linked study run to the end against the fake Prolific API: places follow the need,
returned workers free their pairs, finishers are approved, failers rejected or flagged by
Prolific's rule, bonuses paid once, the study paused when done; every sync run twice sends
nothing the second time."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from prolific.models import Action, BonusBatch, Submission
from prolific.services import bonus_batch_resolve, prolific_sync
from raters import services as raters
from raters.models import Assignment, GoldPair, Rater, StudyRaterSettings
from raters.services import gold_set
from tests.prolific.conftest import TOKEN
from tests.prolific.fake_prolific import Fail
from tests.prolific.helpers import CODE, fast_client, prolific_study, rate

pytestmark = pytest.mark.django_db


def sync(link, slept=None) -> dict:
    return prolific_sync(link_id=link.pk, client=fast_client(slept))


def writes(fake) -> list[tuple[str, str]]:
    return [(s.method, s.path) for s in fake.requests if s.method != "GET"]


def test_a_linked_study_runs_to_the_end(fake):
    link = prolific_study(fake, bonus_per_vote="0.10")
    study = link.study
    first = sync(link)
    assert first["votes_needed"] == 8 and fake.studies["PS1"]["total_available_places"] == 4  # 8 votes / 2 per rater
    before = writes(fake)
    assert sync(link)["votes_needed"] == 8 and writes(fake) == before  # run twice: nothing sent

    subs = {pid: fake.participant_starts("PS1", pid) for pid in ["GOOD", "FAIL2", "FAIL1", "GONE"]}
    rate(study, "GOOD", session=subs["GOOD"])
    rate(study, "FAIL2", session=subs["FAIL2"], fail_checks=2)
    rate(study, "FAIL1", session=subs["FAIL1"], fail_checks=1)
    gone = rate(study, "GONE", session=subs["GONE"], stop_after=3)
    held = raters.assignment_next(rater=gone).assignment
    assert held is not None and held.state == Assignment.State.PENDING
    for pid in ["GOOD", "FAIL2", "FAIL1"]:
        fake.participant_completes(subs[pid], CODE)
    fake.participant_leaves(subs["GONE"], "RETURNED")

    summary = sync(link)
    assert summary["approved"] == 1 and summary["rejected"] == 1 and summary["released"] == 1, summary
    assert fake.submissions[subs["GOOD"]]["status"] == "APPROVED"
    rejection = fake.submissions[subs["FAIL2"]]["rejection"]
    assert rejection["rejection_category"] == "FAILED_CHECK" and "2 of 2 attention checks" in rejection["message"]
    assert fake.submissions[subs["FAIL1"]]["status"] == "AWAITING REVIEW"
    assert Submission.objects.get(submission_id=subs["FAIL1"]).decision == Submission.Decision.FLAGGED
    held.refresh_from_db()
    assert held.state == Assignment.State.EXPIRED  # the returned worker's pair went back to the queue at once
    assert Rater.objects.get(external_id="GONE").excluded and Rater.objects.get(external_id="FAIL2").excluded
    assert fake.paid == {"GOOD": Decimal("0.20")} and sum(fake.pay_calls.values()) == 1
    assert summary["votes_needed"] == 4 and fake.studies["PS1"]["total_available_places"] == 4
    before = writes(fake)
    sync(link)
    assert writes(fake) == before  # run twice: no second approval, rejection, release or bonus

    for pid in ["LATE1", "LATE2"]:
        sid = fake.participant_starts("PS1", pid)
        rate(study, pid, session=sid)
        fake.participant_completes(sid, CODE)
    done = sync(link)
    assert done["approved"] == 2 and done["votes_needed"] == 0 and done.get("paused")
    assert fake.studies["PS1"]["status"] == "PAUSED"
    assert fake.paid == {"GOOD": Decimal("0.20"), "LATE1": Decimal("0.20"), "LATE2": Decimal("0.20")}
    assert sum(fake.pay_calls.values()) == 2 and BonusBatch.objects.filter(state=BonusBatch.State.PAID).count() == 2
    before = writes(fake)
    sync(link)
    assert writes(fake) == before
    actions = Action.objects.filter(link=link)
    assert actions.filter(kind=Action.Kind.APPROVE, state=Action.State.DONE).count() == 3
    assert all(a.by == "sync" and a.finished_at for a in actions.exclude(kind=Action.Kind.FIX))


def test_places_never_go_below_the_participants_who_started(fake):
    link = prolific_study(fake, prompts=1, votes=1, checks=0, quota=1, places=3)
    for pid in ["A", "B", "C"]:
        fake.participant_starts("PS1", pid)
    summary = sync(link)
    assert summary["votes_needed"] == 1 and summary["target_places"] == 3
    assert fake.studies["PS1"]["total_available_places"] == 3 and not fake.calls("PATCH", "/studies/")


def test_returned_votes_count_when_the_policy_says_so_and_leases_are_still_released(fake):
    link = prolific_study(fake, count_returned_votes=True)
    sid = fake.participant_starts("PS1", "GONE")
    rater = rate(link.study, "GONE", session=sid, stop_after=3)
    held = raters.assignment_next(rater=rater).assignment
    fake.participant_leaves(sid, "TIMED-OUT")
    summary = sync(link)
    held.refresh_from_db()
    assert held.state == Assignment.State.EXPIRED and not Rater.objects.get(pk=rater.pk).excluded
    assert summary["votes_needed"] == 7  # its one regular vote still counts


def test_a_refused_approval_is_recorded_with_prolifics_message_shown_and_not_resent(fake, api):
    link = prolific_study(fake)
    link.study.owner = api.user
    link.study.save()
    sid = fake.participant_starts("PS1", "GOOD")
    rate(link.study, "GOOD", session=sid)
    fake.participant_completes(sid, CODE)
    fake.fail(Fail("POST", f"/submissions/{sid}/transition/", status=400, message="Submission is locked by support."))
    summary = sync(link)
    assert "Submission is locked by support." in summary["error"]
    body = api.get("/api/studies/pro/prolific/").json()
    assert "Submission is locked by support." in body["last_error"]
    shown = body["submissions"][0]["actions"][0]
    assert shown["state"] == "failed" and "Submission is locked by support." in shown["error"]
    sync(link)
    assert len(fake.calls("POST", f"/submissions/{sid}/transition/")) == 1
    client = Client()
    client.force_login(api.user)
    page = client.get("/dashboard/s/pro/").content.decode()
    assert "Submission is locked by support." in page and "approve: failed by sync" in page and TOKEN not in page


def test_a_sync_honours_retry_after_and_backs_off_on_5xx(fake):
    link = prolific_study(fake)
    fake.fail(
        Fail("GET", "/submissions/", status=429, headers={"Retry-After": "9"}), Fail("GET", "/submissions/", status=502)
    )
    slept: list[float] = []
    summary = sync(link, slept)
    assert "error" not in summary and slept[0] == 9.0 and len(slept) == 2


def test_an_unanswered_bonus_payment_is_never_paid_twice(fake):
    link = prolific_study(fake, bonus_per_vote="0.25")
    sid = fake.participant_starts("PS1", "GOOD")
    rate(link.study, "GOOD", session=sid)
    fake.participant_completes(sid, CODE)
    fake.fail(Fail("POST", "/pay/", status=202, delay=2.0, act=True))  # Prolific pays, the answer never arrives
    sync(link)
    batch = BonusBatch.objects.get()
    assert batch.state == BonusBatch.State.UNCERTAIN and batch.prolific_batch_id
    sync(link)
    sync(link)
    assert sum(fake.pay_calls.values()) == 1 and fake.paid == {"GOOD": Decimal("0.50")}
    assert BonusBatch.objects.count() == 1
    bonus_batch_resolve(batch=batch, paid=True, by="alice")
    sync(link)
    assert sum(fake.pay_calls.values()) == 1 and BonusBatch.objects.get().state == BonusBatch.State.PAID


def test_a_stored_batch_is_paid_on_retry_instead_of_created_again(fake):
    link = prolific_study(fake, bonus_per_vote="0.25")
    sid = fake.participant_starts("PS1", "GOOD")
    rate(link.study, "GOOD", session=sid)
    fake.participant_completes(sid, CODE)
    fake.fail(*[Fail("POST", "/pay/", status=429, headers={"Retry-After": "0"}) for _ in range(4)])
    sync(link)
    assert BonusBatch.objects.get().state == BonusBatch.State.CREATED and not fake.paid
    sync(link)
    assert len(fake.calls("POST", "/bonus-payments/")) == 1 and len(fake.batches) == 1
    assert fake.paid == {"GOOD": Decimal("0.50")} and BonusBatch.objects.get().state == BonusBatch.State.PAID


def test_a_batch_the_researcher_says_was_not_paid_is_paid_once_by_the_next_sync(fake):
    link = prolific_study(fake, bonus_per_vote="0.25")
    sid = fake.participant_starts("PS1", "GOOD")
    rate(link.study, "GOOD", session=sid)
    fake.participant_completes(sid, CODE)
    fake.fail(Fail("POST", "/pay/", status=504))  # a gateway timeout: Prolific did not pay
    sync(link)
    batch = BonusBatch.objects.get()
    assert batch.state == BonusBatch.State.UNCERTAIN and not fake.paid
    bonus_batch_resolve(batch=batch, paid=False, by="alice")
    sync(link)
    sync(link)
    assert fake.paid == {"GOOD": Decimal("0.50")} and sum(fake.pay_calls.values()) == 1
    assert len(fake.calls("POST", "/pay/")) == 2  # the 504, then the one pay after the researcher's answer
    assert BonusBatch.objects.get().state == BonusBatch.State.PAID


def test_a_study_paused_when_done_is_started_again_when_an_exclusion_reopens_pairs(fake):
    link = prolific_study(fake, prompts=2, votes=1, checks=0, quota=2)
    sid = fake.participant_starts("PS1", "ONLY")
    rater = rate(link.study, "ONLY", session=sid)
    fake.participant_completes(sid, CODE)
    assert sync(link).get("paused") and fake.studies["PS1"]["status"] == "PAUSED"
    raters.rater_exclude(rater=rater, reason="copied answers")
    summary = sync(link)
    assert summary["votes_needed"] == 2 and summary.get("started") and fake.studies["PS1"]["status"] == "ACTIVE"
    assert fake.studies["PS1"]["total_available_places"] == 2  # the approved one holds a place, one more needed
    before = writes(fake)
    sync(link)
    assert writes(fake) == before


def test_gold_accuracy_earns_its_bonus_and_a_wrong_code_is_flagged_not_approved(fake):
    link = prolific_study(fake, prompts=3, votes=1, checks=0, quota=3, bonus_per_gold_correct="0.30")
    gold = link.study.comparisons.first()
    gold_set(comparison=gold, expected="LIMA")
    StudyRaterSettings.objects.filter(study=link.study).update(gold_rate=1.0)  # served first
    assert GoldPair.objects.count() == 1
    good, wrong = fake.participant_starts("PS1", "GOOD"), fake.participant_starts("PS1", "WRONG")
    rate(link.study, "GOOD", session=good)
    rate(link.study, "WRONG", session=wrong)
    fake.participant_completes(good, CODE)
    fake.participant_completes(wrong, "NOTOURS")
    sync(link)
    assert Submission.objects.get(submission_id=wrong).decision == Submission.Decision.FLAGGED
    assert "NOTOURS" in Submission.objects.get(submission_id=wrong).reason
    assert fake.submissions[wrong]["status"] == "AWAITING REVIEW"
    assert fake.paid == {"GOOD": Decimal("0.30")}  # one gold pair right, votes earn nothing here


def test_places_prolific_refuses_are_recorded_and_not_asked_again_every_minute(fake):
    link = prolific_study(fake)
    fake.fail(Fail("PATCH", "/studies/PS1/", status=400, message="Your balance is too low for more places."))
    first = sync(link)
    assert "Your balance is too low for more places." in first["error"]
    sync(link)
    assert len(fake.calls("PATCH", "/studies/PS1/")) == 1
    assert Action.objects.get(kind=Action.Kind.PLACES).error.endswith("Your balance is too low for more places.")
