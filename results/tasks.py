"""Celery tasks of the results: ids in, a service call (imported inside the task body, so
results.services may import this module at the top). Both are safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="results.refresh_results")
def refresh_results(study_id: int) -> int | None:
    from results.services import results_refresh

    snapshot = results_refresh(study_id=study_id)
    return snapshot.n_votes if snapshot else None


@shared_task(name="results.refresh_stale_results")
def refresh_stale_results() -> list[int]:
    from results.services import results_refresh_stale

    return results_refresh_stale()
