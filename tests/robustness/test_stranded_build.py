"""An open study whose comparison build was never run (the broker was down when it opened, or
lost the message in a restart) is built by the beat sweep (issue 11; found by the drill)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from comparisons.models import Comparison, Response, Study
from comparisons.services import comparisons_build, comparisons_rebuild_stranded
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.robustness.test_faults import redis_down  # noqa: F401 (a fixture)


def _age(study: Study, seconds: int) -> None:
    Study.objects.filter(pk=study.pk).update(opened_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.django_db(transaction=True)
def test_opening_a_study_while_redis_is_down_answers_and_the_sweep_builds_its_comparisons(api, redis_down):  # noqa: F811
    create_study(api, slug="s")
    assert upload(api, "s", rows_for(3, ["LIMA", "GPT-4", "Bard"])).status_code == 201
    opened = api.post("/api/studies/s/open/")
    assert opened.status_code == 200, opened.content[:300]
    study = Study.objects.get(slug="s")
    assert study.status == Study.Status.OPEN
    assert Comparison.objects.filter(study=study).count() == 0 and not study.queue_report  # the message was lost
    assert comparisons_rebuild_stranded() == []  # not before a minute: the normal build may still come
    _age(study, 120)
    assert comparisons_rebuild_stranded() == [study.pk]
    study.refresh_from_db()
    assert Comparison.objects.filter(study=study).count() == 6 == study.queue_report["total"]
    assert comparisons_rebuild_stranded() == []  # built: nothing to do any more


@pytest.mark.django_db
def test_the_sweep_leaves_built_draft_and_closed_studies_alone_and_catches_outputs_added_after_the_build(api):
    create_study(api, slug="s")
    assert upload(api, "s", rows_for(2, ["LIMA", "GPT-4"])).status_code == 201
    study = Study.objects.get(slug="s")
    _age(study, 120)  # a draft: never built, and rightly so
    assert comparisons_rebuild_stranded() == []
    Study.objects.filter(pk=study.pk).update(status=Study.Status.OPEN)
    comparisons_build(study_id=study.pk)
    assert comparisons_rebuild_stranded() == []  # built after it opened
    # Two minutes later, new outputs whose build message is lost (newer than the last build).
    ago = lambda seconds: timezone.now() - timedelta(seconds=seconds)  # noqa: E731
    Response.objects.filter(prompt__study=study).update(created_at=ago(150))
    study.refresh_from_db()
    Study.objects.filter(pk=study.pk).update(queue_report={**study.queue_report, "built_at": ago(120).isoformat()})
    assert upload(api, "s", rows_for(1, ["LIMA", "GPT-4"], start=2)).status_code == 201
    assert comparisons_rebuild_stranded() == []  # just uploaded: the queued build may still run
    new = Response.objects.filter(prompt__study=study, prompt__external_id="p2")
    assert new.count() == 2
    new.update(created_at=ago(90))
    assert comparisons_rebuild_stranded() == [study.pk]
    assert Comparison.objects.filter(study=study).count() == 3
    Study.objects.filter(pk=study.pk).update(status=Study.Status.CLOSED, queue_report={})
    assert comparisons_rebuild_stranded() == []


def test_beat_runs_the_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["comparisons-rebuild-stranded"]
    assert entry["task"] == "comparisons.rebuild_stranded_studies" and entry["schedule"] <= 60
    from lima_eval.celery import app

    assert "comparisons.rebuild_stranded_studies" in app.tasks


@pytest.mark.django_db
def test_a_live_upload_job_whose_heartbeat_a_redis_restart_emptied_is_not_failed():
    """Found reading the drill's Redis restarts: the heartbeats live in Redis, which a restart
    (no persistence) empties; the next sweep must not fail a job that is still writing."""
    from django.core.cache import cache

    from comparisons.models import UploadJob
    from comparisons.services import upload_jobs_fail_stale
    from comparisons.services.jobs import _alive_key, _suspect_key
    from tests.factories import UploadJobFactory

    live = UploadJobFactory(status=UploadJob.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=600))
    cache.delete(_alive_key(live.pk))  # Redis restarted: the heartbeat is gone
    assert upload_jobs_fail_stale() == 0  # suspected, not failed
    cache.set(_alive_key(live.pk), 1, 120)  # its heartbeat thread writes again within 20 s
    assert upload_jobs_fail_stale() == 0
    cache.delete(_alive_key(live.pk))  # another restart later: suspected afresh, not failed
    assert upload_jobs_fail_stale() == 0
    live.refresh_from_db()
    assert live.status == UploadJob.Status.RUNNING
    assert upload_jobs_fail_stale() == 1  # silent on two sweeps in a row: its worker is dead
    live.refresh_from_db()
    assert live.status == UploadJob.Status.FAILED
    cache.delete(_suspect_key(live.pk))
