"""Syncs in a real Celery worker against the fake Prolific API, including a worker killed
(SIGKILL) between the bonus batch's creation and its payment, and one killed inside the pay
call: each participant is paid once."""

from __future__ import annotations

import os
import signal
from decimal import Decimal

import pytest

from comparisons.errors import Conflict
from lima_eval.celery import app
from prolific import tasks
from prolific.models import BonusBatch, ProlificLink
from prolific.services import bonus_batch_resolve
from tests.conftest import ARTIFACTS, wait_for
from tests.prolific.conftest import TOKEN
from tests.prolific.fake_prolific import Fail
from tests.prolific.helpers import CODE, prolific_study, rate

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker", "transactional_db")]


def finished_rater(fake, link, pid: str = "GOOD") -> str:
    sid = fake.participant_starts("PS1", pid)
    rate(link.study, pid, session=sid)
    fake.participant_completes(sid, CODE)
    return sid


def kill_the_sync() -> None:
    """SIGKILL the worker process running prolific.sync (the pool starts a new one)."""

    def running() -> list[int]:
        active = app.control.inspect(timeout=1.0).active() or {}
        return [t["worker_pid"] for ts in active.values() for t in ts if t["name"] == "prolific.sync"]

    pids = wait_for(running, timeout=30, what="the sync task to run in the worker")
    os.kill(pids[0], signal.SIGKILL)


def wait_idle(link: ProlificLink) -> None:
    """No sync of the link running or waiting in the worker, so the test's flush never meets one."""

    def idle() -> bool:
        inspect = app.control.inspect(timeout=1.0)
        busy = [
            t
            for group in (inspect.active() or {}, inspect.scheduled() or {}, inspect.reserved() or {})
            for ts in group.values()
            for t in ts
        ]
        return not busy and ProlificLink.objects.filter(pk=link.pk, sync_until__isnull=True).exists()

    wait_for(idle, timeout=120, what="the worker to finish its syncs")


def lapse_claim(link: ProlificLink) -> None:
    """The killed sync's claim lapses (after the task's hard time limit in production)."""
    ProlificLink.objects.filter(pk=link.pk).update(sync_until=None)


def test_beat_syncs_every_open_linked_study_in_the_worker(fake):
    link = prolific_study(fake, bonus_per_vote="0.10")
    sid = finished_rater(fake, link)
    tasks.sync_open.delay()
    wait_for(
        lambda: BonusBatch.objects.filter(state=BonusBatch.State.PAID).exists(),
        timeout=60,
        what="the worker to approve and pay",
    )
    assert fake.submissions[sid]["status"] == "APPROVED" and fake.paid == {"GOOD": Decimal("0.20")}
    log = (ARTIFACTS / "celery-worker.log").read_text()
    assert "prolific.sync" in log and TOKEN not in log
    wait_idle(link)


def test_a_worker_killed_between_bonus_create_and_pay_pays_each_participant_once(fake, api):
    link = prolific_study(fake, bonus_per_vote="0.25")
    link.study.owner = api.user
    link.study.save()
    finished_rater(fake, link)
    fake.fail(Fail("POST", "/bonus-payments/", status=201, delay=60, act=True))  # created at Prolific, answer hangs
    assert api.post("/api/studies/pro/prolific/sync/").status_code == 202
    wait_for(lambda: len(fake.batches) == 1, timeout=60, what="the batch to be created at Prolific")
    kill_the_sync()
    assert BonusBatch.objects.get().state == BonusBatch.State.PLANNED and not fake.paid
    lapse_claim(link)
    api.post("/api/studies/pro/prolific/sync/")
    wait_for(lambda: BonusBatch.objects.filter(state=BonusBatch.State.PAID).exists(), timeout=60, what="the payment")
    assert fake.paid == {"GOOD": Decimal("0.50")} and sum(fake.pay_calls.values()) == 1
    approval = api.get("/api/studies/pro/prolific/").json()["submissions"][0]["actions"][0]
    assert approval["kind"] == "approve" and approval["by"] == f"sync ({api.user.get_username()})"
    assert len(fake.batches) == 2  # the lost answer's batch stays unpaid at Prolific (it costs nothing)
    wait_idle(link)


def test_a_worker_killed_inside_the_pay_call_never_pays_again_until_the_researcher_says(fake, api):
    link = prolific_study(fake, bonus_per_vote="0.25")
    link.study.owner = api.user
    link.study.save()
    finished_rater(fake, link)
    fake.fail(Fail("POST", "/pay/", status=202, delay=60))  # the pay call hangs; Prolific has not paid
    api.post("/api/studies/pro/prolific/sync/")
    wait_for(lambda: fake.calls("POST", "/pay/"), timeout=60, what="the pay call")
    kill_the_sync()
    batch = BonusBatch.objects.get()
    assert batch.state == BonusBatch.State.PAYING and batch.prolific_batch_id
    lapse_claim(link)
    api.post("/api/studies/pro/prolific/sync/")
    wait_for(lambda: BonusBatch.objects.get().state == BonusBatch.State.UNCERTAIN, timeout=60, what="uncertain")
    shown = api.get("/api/studies/pro/prolific/").json()["bonuses"][0]
    assert shown["state"] == "uncertain" and "check" in shown["error"].lower()
    assert len(fake.calls("POST", "/pay/")) == 1 and not fake.paid
    resolved = api.post(f"/api/studies/pro/prolific/bonuses/{batch.pk}/resolve/", {"paid": False}, format="json")
    assert resolved.status_code == 200 and resolved.json()["state"] == "created"
    api.post("/api/studies/pro/prolific/sync/")
    wait_for(lambda: BonusBatch.objects.get().state == BonusBatch.State.PAID, timeout=60, what="the payment")
    assert fake.paid == {"GOOD": Decimal("0.50")} and len(fake.batches) == 1
    again = api.post(f"/api/studies/pro/prolific/bonuses/{batch.pk}/resolve/", {"paid": True}, format="json")
    assert again.status_code == 409
    with pytest.raises(Conflict):
        bonus_batch_resolve(batch=BonusBatch.objects.get(), paid=True, by="x")
    wait_idle(link)
