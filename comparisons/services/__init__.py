"""Writes: every change to studies, outputs and comparisons goes through these functions."""

from comparisons.services.jobs import (
    upload_job_create,
    upload_job_progress,
    upload_job_run,
    upload_jobs_fail_stale,
    upload_jobs_queue_pending,
)
from comparisons.services.outputs import UploadCounts, outputs_upload
from comparisons.services.queue import BuildReport, comparisons_build, comparisons_rebuild_stranded, study_pairs
from comparisons.services.receive import outputs_receive
from comparisons.services.studies import (
    study_add_systems,
    study_close,
    study_create,
    study_open,
    study_set_both_bad,
    study_update,
)

__all__ = [
    "BuildReport",
    "UploadCounts",
    "comparisons_build",
    "comparisons_rebuild_stranded",
    "outputs_receive",
    "outputs_upload",
    "study_add_systems",
    "study_close",
    "study_create",
    "study_open",
    "study_pairs",
    "study_set_both_bad",
    "study_update",
    "upload_job_create",
    "upload_job_progress",
    "upload_job_run",
    "upload_jobs_fail_stale",
    "upload_jobs_queue_pending",
]
