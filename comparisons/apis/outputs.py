from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons import selectors, services
from comparisons.apis.studies import CONFLICT, ERRORS, NOT_FOUND
from comparisons.errors import InvalidInput, RowError
from comparisons.ingest.parse import JSON, JSONL, decode, parse_rows
from comparisons.ingest.rows import validate_rows
from comparisons.parsers import JSONLinesParser, NDJSONParser, RawJSONParser
from comparisons.serializers import (
    ErrorResponseSerializer,
    JobSerializer,
    OutputRowSerializer,
    UploadCountsSerializer,
    UploadFileSerializer,
)
from comparisons.services.outputs import check_upload_allowed

TRUE = {"1", "true", "yes", "on"}


def _too_big(size: int, field: str) -> InvalidInput:
    limit = settings.LIMA_UPLOAD_MAX_BYTES
    return InvalidInput(
        f"the upload is too large: {size} bytes; the limit is {limit} bytes",
        [RowError(None, field, f"is {size} bytes; the limit is {limit} bytes (LIMA_UPLOAD_MAX_BYTES)")],
    )


def read_upload(request) -> tuple[list, list[RowError]]:
    """The raw rows of a JSON, JSON Lines or multipart upload, and per-line parse errors."""
    limits = {"max_rows": settings.LIMA_UPLOAD_MAX_ROWS}
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    content_type = request.content_type.split(";")[0].strip()
    if content_type.startswith("multipart/"):
        if declared > settings.LIMA_UPLOAD_MAX_BYTES + 64 * 1024:
            raise _too_big(declared, "file")
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput("no file was uploaded", [RowError(None, "file", "is required (a .jsonl or .json file)")])
        name = (upload.name or "").lower()
        if not name.endswith((".jsonl", ".ndjson", ".json")):
            raise InvalidInput("unsupported file type", [RowError(None, "file", f"{upload.name!r} must end in .jsonl or .json")])
        if upload.size > settings.LIMA_UPLOAD_MAX_BYTES:
            raise _too_big(upload.size, "file")
        text = decode(upload.read(), field_name="file")
        parsed = parse_rows(text, fmt=JSON if name.endswith(".json") else JSONL, field_name="file", **limits)
    else:
        if declared > settings.LIMA_UPLOAD_MAX_BYTES:
            raise _too_big(declared, "body")
        body = request.data if isinstance(request.data, bytes) else b""
        text = decode(body, field_name="body")
        fmt = JSON if content_type == "application/json" else JSONL
        parsed = parse_rows(text, fmt=fmt, field_name="body", **limits)
    return parsed.rows, parsed.errors


class StudyOutputsApi(APIView):
    parser_classes = [RawJSONParser, NDJSONParser, JSONLinesParser, MultiPartParser]

    @extend_schema(
        summary="Upload model outputs",
        description=(
            "Rows `{prompt_id, prompt, system, response, category?, metadata?}` as a JSON array "
            "(`application/json`), JSON Lines (`application/x-ndjson`), or a `.jsonl` / `.json` file "
            "(`multipart/form-data`, field `file`). All or nothing: any bad row stores nothing and the 400 "
            "lists the first 100 errors with row, field and reason. Repeating a stored row changes nothing "
            "(counted as `unchanged`); a different response for a stored (prompt, system) is a 409 unless "
            "the study is a draft and `?replace=true`. New systems are added to a draft study and refused "
            f"for an open one. {settings.LIMA_ASYNC_UPLOAD_ROWS} rows or more run as a job: 202 with the job."
        ),
        parameters=[OpenApiParameter("replace", bool, description="Replace differing stored rows (draft studies only).")],
        request={
            "application/json": OutputRowSerializer(many=True),
            "application/x-ndjson": OutputRowSerializer,
            "multipart/form-data": UploadFileSerializer,
        },
        responses={
            200: OpenApiResponse(UploadCountsSerializer, description="Stored; nothing new."),
            201: OpenApiResponse(UploadCountsSerializer, description="Stored, with new responses."),
            202: OpenApiResponse(JobSerializer, description="A large upload, queued as a job."),
            409: OpenApiResponse(ErrorResponseSerializer, description="Rows differ from stored data, or the study is closed."),
            **ERRORS,
            **NOT_FOUND,
        },
    )
    def post(self, request, slug: str):
        study = get_object_or_404(selectors.studies_for(request.user), slug=slug)
        replace = request.query_params.get("replace", "").lower() in TRUE
        check_upload_allowed(study, replace=replace)
        raw_rows, errors = read_upload(request)
        rows, row_errors = validate_rows(raw_rows, max_text_chars=settings.LIMA_MAX_TEXT_CHARS)
        errors = sorted(errors + row_errors, key=lambda e: e.row or 0)
        if errors:
            raise InvalidInput(f"{len(errors)} error(s) in the upload; nothing was stored", errors)
        if len(rows) >= settings.LIMA_ASYNC_UPLOAD_ROWS:
            job = services.upload_job_create(study=study, user=request.user, rows=rows, replace=replace)
            job.refresh_from_db()
            job._processed_rows = services.upload_job_progress(job)
            data = JobSerializer(job, context={"request": request}).data
            return Response(data, status=202, headers={"Location": data["url"]})
        counts = services.outputs_upload(study=study, rows=rows, replace=replace)
        return Response(counts.as_dict(), status=201 if counts.created else 200)


class JobDetailApi(APIView):
    @extend_schema(summary="An upload job: status, progress, counts, errors", responses={200: JobSerializer, **ERRORS, **CONFLICT})
    def get(self, request, pk):
        job = get_object_or_404(selectors.jobs_for(request.user), pk=pk)
        job._processed_rows = services.upload_job_progress(job)
        return Response(JobSerializer(job, context={"request": request}).data)
