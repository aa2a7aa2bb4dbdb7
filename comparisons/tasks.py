"""Celery tasks: thin wrappers that take ids and call a service. All are safe to run
twice (the build adds nothing the second time; a job is claimed by a conditional update).
Services import this module at the top; each task imports its service inside its body
(HackSoft's rule), so there is no import cycle."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="comparisons.build_comparisons")
def build_comparisons(study_id: int) -> dict:
    from comparisons.services.queue import comparisons_build

    return comparisons_build(study_id=study_id).as_dict()


@shared_task(name="comparisons.rebuild_stranded_studies")
def rebuild_stranded_studies() -> list[int]:
    from comparisons.services.queue import comparisons_rebuild_stranded

    return comparisons_rebuild_stranded()


@shared_task(name="comparisons.run_upload_job")
def run_upload_job(job_id: str) -> bool:
    from comparisons.services.jobs import upload_job_run

    return upload_job_run(job_id=job_id)


@shared_task(name="comparisons.fail_stale_upload_jobs")
def fail_stale_upload_jobs() -> int:
    from comparisons.services.jobs import upload_jobs_fail_stale

    return upload_jobs_fail_stale()


@shared_task(name="comparisons.queue_pending_upload_jobs")
def queue_pending_upload_jobs() -> int:
    from comparisons.services.jobs import upload_jobs_queue_pending

    return upload_jobs_queue_pending()
