"""Large uploads as jobs: the request validates rows and stores them on an UploadJob;
a Celery task writes them with the same service as a direct upload (all or nothing).

The rows are validated once, in the request. The job's payload holds them as validated, under
a header naming the format and the SHA-256 of the rows' text; the task writes them only when
the digest still matches, so rows changed after the request validated them (by hand in the
database, or cut short) are refused, not written. The rows' text is stored compressed (zlib at
its fastest level, in base64 so that the column stays text): an upload's 44 MB of JSON are
about 1.5 MB to write and read back instead of 44 MB for PostgreSQL to compress, send and
decompress.

The rows' text is orjson's (ORJSON_FORMAT; 8 times faster to write than json.dumps, 1.5 times
to read) when the rows hold JSON values as the request parsed them (`json_values`: strings,
64-bit integers, finite floats, lists and objects with string keys), which orjson reads back
as they were written (tests/comparisons/test_fast_json.py); it writes a non-finite float as
null, so other rows (or any value orjson refuses) are written by json.dumps (PAYLOAD_FORMAT)
and read back by json.loads. Payloads of the formats before (json.dumps's text compressed, or
as is) are still read; one without a header (a job queued before any) is validated again in
full.

Progress while the job writes lives in the cache (the write is one transaction, so the
database cannot show it to another connection until it ends)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from comparisons import tasks
from comparisons.errors import RowError, ServiceError
from comparisons.ingest.gc_pause import gc_paused
from comparisons.ingest.rows import OutputRow, validate_rows
from comparisons.models import Study, UploadJob
from comparisons.services.outputs import outputs_upload

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 20  # a running job says it is alive this often...
HEARTBEAT_LOST_SECONDS = 120  # ...and is failed by the sweep when it has not for this long
SUSPECT_SECONDS = 600  # a silent job is failed when a later sweep within this finds it silent again
PENDING_REQUEUE_SECONDS = 60  # a job still pending this long lost its message: the sweep queues it again
ORJSON_FORMAT = "lima-eval-rows/4"  # as PAYLOAD_FORMAT, the rows' text written by orjson
PAYLOAD_FORMAT = "lima-eval-rows/3"  # "<format> <sha256 of the rows' text>\n<base64 of the rows' text, zlib'd>"
PLAIN_FORMAT = "lima-eval-rows/2"  # the format before: "<format> <sha256 of the rows' text>\n<rows' text>"
# orjson's options that make it refuse (and json.dumps write the payload) what json.dumps would write
# otherwise or refuse: subclasses of str, int, dict and list (an IntEnum), dataclasses, dates and times.
ORJSON_REFUSES = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
PAYLOAD_LEVEL = 1  # zlib's fastest: the rows' JSON repeats its keys and shrinks about 40 times even so


def _progress_key(job_id: UUID) -> str:
    return f"lima-eval:upload-job:{job_id}:written"


def _alive_key(job_id: UUID | str) -> str:
    return f"lima-eval:upload-job:{job_id}:alive"


def _suspect_key(job_id: UUID | str) -> str:
    return f"lima-eval:upload-job:{job_id}:silent"


@contextmanager
def _heartbeat(job_id: str) -> Iterator[None]:
    """While the block runs, a thread marks the job alive in the cache every HEARTBEAT_SECONDS
    (the job writes in one transaction, so the database cannot show progress to the sweep)."""
    stop = threading.Event()

    def beat() -> None:
        while True:
            try:
                cache.set(_alive_key(job_id), 1, HEARTBEAT_LOST_SECONDS)
            except Exception as exc:  # noqa: BLE001 - a broker blip must not kill the job; the next beat retries
                log.warning("upload job %s: heartbeat not written: %s", job_id, exc)
            if stop.wait(HEARTBEAT_SECONDS):
                return

    thread = threading.Thread(target=beat, name=f"upload-job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        cache.delete(_alive_key(job_id))


def upload_job_create(
    *, study: Study, user: Any, rows: list[OutputRow], replace: bool, json_values: bool = False
) -> UploadJob:
    """`json_values`: the rows' values are as `comparisons.text.loads_strict` parsed them from
    JSON (so no float is NaN or infinite), and the payload may be written by orjson."""
    with transaction.atomic():
        job = UploadJob.objects.create(
            study=study,
            created_by=user,
            replace=replace,
            total_rows=len(rows),
            payload=_payload(rows, json_values=json_values),
        )
        # robust: with the broker down the job stays pending and the beat sweep queues it
        # (upload_jobs_queue_pending); the upload itself succeeds (issue 11).
        transaction.on_commit(lambda: tasks.run_upload_job.delay(str(job.pk)), robust=True)
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
    key = _progress_key(job.pk)
    with _heartbeat(str(job.pk)), gc_paused():  # (comparisons/ingest/gc_pause.py)
        rows, errors = _stored_rows(job.payload)
        _write(job, rows, errors, key)
    cache.delete(key)
    return True


def _payload(rows: list[OutputRow], *, json_values: bool = False) -> str:
    """The validated rows, field by field (OutputRow's order), under ORJSON_FORMAT's header
    (`json_values`, and orjson takes every value) or PAYLOAD_FORMAT's."""
    fields = list(map(list, rows))  # (orjson writes no named tuple)
    text = _orjson_text(fields) if json_values else None
    name = ORJSON_FORMAT
    if text is None:
        text, name = json.dumps(fields).encode(), PAYLOAD_FORMAT
    packed = base64.b64encode(zlib.compress(text, PAYLOAD_LEVEL)).decode("ascii")
    return f"{name} {hashlib.sha256(text).hexdigest()}\n{packed}"


def _orjson_text(fields: list[list[Any]]) -> bytes | None:
    """orjson's text of `fields`, or None where orjson refuses a value: a lone surrogate, an
    integer beyond 64 bits, a key that is not a string, and with ORJSON_REFUSES a subclass of
    str, int, dict or list (an IntEnum), a dataclass, a date or a time."""
    try:
        return orjson.dumps(fields, option=ORJSON_REFUSES)
    except orjson.JSONEncodeError:
        return None


def _unpacked(packed: str) -> bytes | None:
    """The rows' text ORJSON_FORMAT or PAYLOAD_FORMAT holds, or None when it is not base64 of a zlib stream."""
    try:
        return zlib.decompress(base64.b64decode(packed.encode("ascii"), validate=True))
    except (UnicodeEncodeError, binascii.Error, zlib.error):
        return None


def _stored_rows(payload: str) -> tuple[list[OutputRow], list[RowError]]:
    """The rows a job's payload holds, or the errors that refuse them."""
    header, _, body = payload.partition("\n")
    name, _, digest = header.partition(" ")
    if name not in (ORJSON_FORMAT, PAYLOAD_FORMAT, PLAIN_FORMAT):  # a job queued before any: as OutputRow.as_json
        raw = json.loads(payload)
        return validate_rows([(number, row) for number, row in raw], max_text_chars=10**9)
    text = body.encode() if name == PLAIN_FORMAT else _unpacked(body)
    if text is None or hashlib.sha256(text).hexdigest() != digest:
        reason = "the stored rows differ from the rows the upload validated (changed or cut short); nothing was stored"
        return [], [RowError(None, "payload", reason)]
    make = OutputRow._make
    rows = [
        make(fields) if fields[3] is None else make([*fields[:3], tuple(map(tuple, fields[3])), *fields[4:]])
        for fields in (orjson.loads(text) if name == ORJSON_FORMAT else json.loads(text))
    ]
    return rows, []


def _write(job: UploadJob, rows: list[OutputRow], errors: list, key: str) -> None:
    try:
        if errors:  # rows the request validated pass; kept as a guard
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


def upload_job_progress(job: UploadJob) -> int:
    """Rows written so far: all of them once the job succeeded, none if it failed."""
    if job.status == UploadJob.Status.SUCCEEDED:
        return job.total_rows
    if job.status == UploadJob.Status.RUNNING:
        return int(cache.get(_progress_key(job.pk)) or 0)
    return 0


def upload_jobs_fail_stale(*, older_than_seconds: int | None = None) -> int:
    """Mark jobs still `running` whose worker died as failed: running past the hard time limit,
    or started over HEARTBEAT_LOST_SECONDS ago with no heartbeat in that long on two sweeps in a
    row (a Redis restart empties the heartbeats of live jobs too). Since a job
    writes in one transaction, nothing was stored. Celery beat runs this every minute;
    returns how many jobs it marked."""
    now = timezone.now()
    limit = older_than_seconds if older_than_seconds is not None else settings.CELERY_TASK_TIME_LIMIT + 60
    running = UploadJob.objects.filter(status=UploadJob.Status.RUNNING)
    silent = []
    for job_id in running.filter(started_at__lt=now - timedelta(seconds=HEARTBEAT_LOST_SECONDS)).values_list(
        "pk", flat=True
    ):
        if cache.get(_alive_key(job_id)) is not None:
            cache.delete(_suspect_key(job_id))
        # The heartbeat lives in Redis, which a restart empties: a job is failed only when the
        # next sweep (a minute and three heartbeats later) finds it silent too.
        elif not cache.add(_suspect_key(job_id), 1, SUSPECT_SECONDS):
            silent.append(job_id)
    dead = running.filter(started_at__lt=now - timedelta(seconds=limit)) | running.filter(pk__in=silent)
    return dead.update(
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


def upload_jobs_queue_pending(*, older_than_seconds: int = PENDING_REQUEUE_SECONDS) -> int:
    """Queue again every job still `pending` after `older_than_seconds`: its message was lost
    (the broker was down at upload time, or restarted). Running a job twice is harmless (it is
    claimed by a conditional update). Celery beat runs this; returns how many it queued."""
    stuck = UploadJob.objects.filter(
        status=UploadJob.Status.PENDING, created_at__lt=timezone.now() - timedelta(seconds=older_than_seconds)
    )
    ids = [str(pk) for pk in stuck.values_list("pk", flat=True)]
    for job_id in ids:
        tasks.run_upload_job.delay(job_id)
    return len(ids)
