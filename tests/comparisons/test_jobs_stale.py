"""A job whose worker died is marked failed by the beat sweep; a live one is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from comparisons.models import UploadJob
from comparisons.services import upload_jobs_fail_stale
from tests.factories import UploadJobFactory

pytestmark = pytest.mark.django_db


def test_only_jobs_running_past_the_time_limit_are_failed_with_a_clear_message(settings):
    settings.CELERY_TASK_TIME_LIMIT = 900
    dead = UploadJobFactory(status=UploadJob.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=1000))
    alive = UploadJobFactory(status=UploadJob.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=100))
    done = UploadJobFactory(status=UploadJob.Status.SUCCEEDED, started_at=timezone.now() - timedelta(days=1))
    assert upload_jobs_fail_stale() == 1
    dead.refresh_from_db(), alive.refresh_from_db(), done.refresh_from_db()
    assert dead.status == "failed" and "Upload the rows again" in dead.errors[0]["detail"] and dead.finished_at
    assert (alive.status, done.status) == ("running", "succeeded")
    assert upload_jobs_fail_stale() == 0


def test_every_beat_entry_names_a_registered_task(settings):
    from lima_eval.celery import app

    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE["uploads-fail-stale"]["task"] == "comparisons.fail_stale_upload_jobs"
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry
