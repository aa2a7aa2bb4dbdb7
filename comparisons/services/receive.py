"""Receiving an upload of outputs as text (from the API or a researcher's page): parse,
validate every row, then store it now or, when large, hand it to a job."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from comparisons.errors import InvalidInput, RowError
from comparisons.ingest.gc_pause import gc_paused
from comparisons.ingest.parse import JSON, JSONL, decode, parse_rows
from comparisons.ingest.rows import validate_rows
from comparisons.models import Study, UploadJob
from comparisons.services.jobs import upload_job_create
from comparisons.services.outputs import UploadCounts, check_upload_allowed, outputs_upload, response_kind_errors


def outputs_receive(
    *, study: Study, user: Any, text: str, fmt: str, field_name: str, replace: bool = False
) -> UploadCounts | UploadJob:
    """All or nothing: any bad row raises InvalidInput listing row, field and reason.
    `LIMA_ASYNC_UPLOAD_ROWS` rows or more become an UploadJob (returned); fewer are stored now."""
    check_upload_allowed(study, replace=replace)
    with gc_paused():  # (comparisons/ingest/gc_pause.py)
        parsed = parse_rows(text, fmt=fmt, field_name=field_name, max_rows=settings.LIMA_UPLOAD_MAX_ROWS)
        rows, row_errors = validate_rows(
            parsed.rows, max_text_chars=settings.LIMA_MAX_TEXT_CHARS, texts_clean=parsed.texts_clean
        )
        errors = sorted(parsed.errors + row_errors + response_kind_errors(study, rows), key=lambda e: e.row or 0)
        if errors:
            raise InvalidInput(f"{len(errors)} error(s) in the upload; nothing was stored", errors)
        if len(rows) >= settings.LIMA_ASYNC_UPLOAD_ROWS:
            return upload_job_create(study=study, user=user, rows=rows, replace=replace, json_values=True)
        return outputs_upload(study=study, rows=rows, replace=replace)


def too_big(size: int, field: str) -> InvalidInput:
    limit = settings.LIMA_UPLOAD_MAX_BYTES
    return InvalidInput(
        f"the upload is too large: {size} bytes; the limit is {limit} bytes",
        [RowError(None, field, f"is {size} bytes; the limit is {limit} bytes (LIMA_UPLOAD_MAX_BYTES)")],
    )


def read_uploaded_file(upload: UploadedFile) -> tuple[str, str]:
    """An uploaded file's text and format (JSON for .json, JSON Lines for .jsonl / .ndjson),
    after the type and size checks."""
    name = (upload.name or "").lower()
    if not name.endswith((".jsonl", ".ndjson", ".json")):
        raise InvalidInput(
            "unsupported file type", [RowError(None, "file", f"{upload.name!r} must end in .jsonl or .json")]
        )
    size = upload.size or 0
    if size > settings.LIMA_UPLOAD_MAX_BYTES:
        raise too_big(size, "file")
    return decode(upload.read(), field_name="file"), JSON if name.endswith(".json") else JSONL
