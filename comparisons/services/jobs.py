"""Large uploads as jobs: the request validates rows and stores them on an UploadJob;
a Celery task writes them with the same service as a direct upload (all or nothing).

Progress while the job writes lives in the cache (the write is one transaction, so the
database cannot show it to another connection until it ends)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from comparisons import tasks
from comparisons.errors import ServiceError
from comparisons.ingest.rows import OutputRow, validate_rows
from comparisons.models import Study, UploadJob
from comparisons.services.outputs import outputs_upload


def _progress_key(job_id: UUID) -> str:
    return f"lima-eval:upload-job:{job_id}:written"


def upload_job_create(*, study: Study, user: Any, rows: list[OutputRow], replace: bool) -> UploadJob:
    with transaction.atomic():
        job = UploadJob.objects.create(
            study=study,
            created_by=user,
            replace=replace,
            total_rows=len(rows),
            payload=json.dumps([[row.row, row.as_json()] for row in rows]),
        )
        transaction.on_commit(lambda: tasks.run_upload_job.delay(str(job.pk)))
    return job


def upload_job_run(*, job_id: str) -> bool:
    """Run a pending job. Returns False when another run claimed it first (so a task
    delivered twice does the work once)."""
    claimed = UploadJob.objects.filter(pk=job_id, status=UploadJob.Status.PENDING).update(
        status=UploadJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    job = UploadJob.objects.select_related("study").get(pk=job_id)
    raw = json.loads(job.payload)
    rows, errors = validate_rows([(number, row) for number, row in raw], max_text_chars=10**9)
    key = _progress_key(job.pk)
    try:
        if errors:  # cannot happen for rows the request validated; kept as a guard
            raise ServiceError("stored rows failed validation", errors)
        counts = outputs_upload(
            study=job.study, rows=rows, replace=job.replace, progress=lambda n: cache.set(key, n, 3600)
        )
    except ServiceError as exc:
        body = exc.as_dict()
        UploadJob.objects.filter(pk=job.pk).update(
            status=UploadJob.Status.FAILED,
            errors=[{"detail": exc.detail}] + body.get("errors", []),
            error_status=exc.status,
            finished_at=timezone.now(),
        )
    else:
        UploadJob.objects.filter(pk=job.pk).update(
            status=UploadJob.Status.SUCCEEDED, counts=counts.as_dict(), payload="", finished_at=timezone.now()
        )
    cache.delete(key)
    return True


def upload_job_progress(job: UploadJob) -> int:
    """Rows written so far: all of them once the job succeeded, none if it failed."""
    if job.status == UploadJob.Status.SUCCEEDED:
        return job.total_rows
    if job.status == UploadJob.Status.RUNNING:
        return int(cache.get(_progress_key(job.pk)) or 0)
    return 0


def upload_jobs_fail_stale(*, older_than_seconds: int | None = None) -> int:
    """Mark jobs still `running` long after any task could (the hard time limit) as failed:
    their worker died, and since a job writes in one transaction, nothing was stored.
    Celery beat runs this; returns how many jobs it marked."""
    from datetime import timedelta

    from django.conf import settings

    limit = older_than_seconds if older_than_seconds is not None else settings.CELERY_TASK_TIME_LIMIT + 60
    return UploadJob.objects.filter(
        status=UploadJob.Status.RUNNING, started_at__lt=timezone.now() - timedelta(seconds=limit)
    ).update(
        status=UploadJob.Status.FAILED,
        errors=[
            {
                "detail": "the worker writing this job stopped before it finished; nothing was stored. "
                "Upload the rows again (uploads are idempotent)."
            }
        ],
        error_status=500,
        finished_at=timezone.now(),
    )
