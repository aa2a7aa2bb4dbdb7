"""The queue and upload jobs in a real Celery worker (Redis broker, PostgreSQL)."""

from __future__ import annotations

import pytest

from comparisons.models import Comparison, Response, Study, UploadJob
from comparisons.tasks import build_comparisons
from tests.comparisons.helpers import create_study, jsonl, rows_for, upload
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker", "transactional_db")]


def wait_job(api, url: str, timeout: float = 120) -> dict:
    return wait_for(
        lambda: (lambda j: j if j["status"] in ("succeeded", "failed") else None)(api.get(url).json()),
        timeout=timeout,
        interval=0.25,
        what="the upload job",
    )


def test_opening_a_study_builds_its_queue_in_the_worker(api):
    create_study(api, slug="w")
    upload(api, "w", rows_for(20, ["LIMA", "GPT-4", "Bard"]))
    api.post("/api/studies/w/open/")
    wait_for(lambda: Comparison.objects.filter(study__slug="w").count() == 40, what="40 comparisons")
    wait_for(lambda: Study.objects.get(slug="w").queue_report.get("total") == 40, what="the build report")


def test_outputs_arriving_at_an_open_study_are_queued(api):
    create_study(api, slug="w")
    upload(api, "w", rows_for(5, ["LIMA", "GPT-4", "Bard"]))
    api.post("/api/studies/w/open/")
    wait_for(lambda: Comparison.objects.filter(study__slug="w").count() == 10, what="10 comparisons")
    assert upload(api, "w", rows_for(3, ["LIMA", "GPT-4", "Bard"], start=5)).status_code == 201
    wait_for(lambda: Comparison.objects.filter(study__slug="w").count() == 16, what="16 comparisons")


def test_two_build_tasks_at_once_in_two_worker_processes_add_nothing_twice(api):
    create_study(api, slug="w")
    upload(api, "w", rows_for(400, ["LIMA", "GPT-4", "Bard"]))
    study = Study.objects.get(slug="w")
    Study.objects.filter(pk=study.pk).update(status=Study.Status.OPEN)
    results = [build_comparisons.delay(study.pk) for _ in range(4)]
    reports = [r.get(timeout=60) for r in results]
    assert all(r["total"] == 800 for r in reports)
    assert sum(r["created"] for r in reports) >= 800
    assert Comparison.objects.filter(study=study).count() == 800


def test_a_large_upload_runs_as_a_job_and_reports_its_counts(api):
    create_study(api, slug="big")
    rows = rows_for(5000, ["LIMA", "GPT-4"])  # 10,000 rows: the default job threshold
    response = api.post("/api/studies/big/outputs/", jsonl(rows), content_type="application/x-ndjson")
    assert response.status_code == 202
    job = wait_job(api, response.json()["url"])
    assert job["status"] == "succeeded", job
    assert (
        job["processed_rows"] == 10000
        and job["counts"]["created"] == 10000
        and job["counts"]["prompts_created"] == 5000
    )
    assert Response.objects.filter(prompt__study__slug="big").count() == 10000
    assert UploadJob.objects.get(pk=job["id"]).payload == ""


def test_a_job_with_conflicting_rows_fails_and_stores_nothing(api, settings):
    settings.LIMA_ASYNC_UPLOAD_ROWS = 10
    create_study(api, slug="big")
    upload(api, "big", rows_for(2, ["LIMA", "GPT-4"]))
    rows = rows_for(10, ["LIMA", "GPT-4"])
    rows[2]["response"] = "changed"
    response = upload(api, "big", rows)
    assert response.status_code == 202
    job = wait_job(api, response.json()["url"])
    assert job["status"] == "failed" and job["error_status"] == 409
    assert {"row": 3, "field": "response"}.items() <= job["errors"][1].items()
    assert Response.objects.count() == 4


def test_a_job_run_twice_writes_once(api, settings):
    settings.LIMA_ASYNC_UPLOAD_ROWS = 10
    create_study(api, slug="big")
    response = upload(api, "big", rows_for(10, ["LIMA", "GPT-4"]))
    job = wait_job(api, response.json()["url"])
    from comparisons.tasks import run_upload_job

    assert run_upload_job.delay(job["id"]).get(timeout=30) is False
    assert Response.objects.count() == 20
