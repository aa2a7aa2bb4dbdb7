"""Celery tasks: thin wrappers that take ids and call a service. Both are safe to run
twice (the build adds nothing the second time; a job is claimed by a conditional update)."""

from __future__ import annotations

from celery import shared_task

from comparisons import services


@shared_task(name="comparisons.build_comparisons")
def build_comparisons(study_id: int) -> dict:
    return services.comparisons_build(study_id=study_id).as_dict()


@shared_task(name="comparisons.run_upload_job")
def run_upload_job(job_id: str) -> bool:
    return services.upload_job_run(job_id=job_id)


@shared_task(name="comparisons.refresh_results")
def refresh_results(study_id: int) -> int | None:
    from comparisons.results.service import results_refresh

    snapshot = results_refresh(study_id=study_id)
    return snapshot.n_votes if snapshot else None


@shared_task(name="comparisons.refresh_stale_results")
def refresh_stale_results() -> list[int]:
    from comparisons.results.service import results_refresh_stale

    return results_refresh_stale()


@shared_task(name="comparisons.fail_stale_upload_jobs")
def fail_stale_upload_jobs() -> int:
    return services.upload_jobs_fail_stale()
