from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from comparisons import selectors, services
from comparisons.api_errors import CONFLICT, ERRORS, NOT_FOUND
from comparisons.models import UploadJob
from comparisons.parsers import JSONLinesParser, NDJSONParser, RawJSONParser
from comparisons.request_body import read_upload
from comparisons.serializers import (
    ErrorResponseSerializer,
    JobSerializer,
    OutputRowSerializer,
    UploadCountsSerializer,
    UploadFileSerializer,
)
from comparisons.services.outputs import check_upload_allowed
from comparisons.services.receive import outputs_receive

TRUE = {"1", "true", "yes", "on"}


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
        parameters=[
            OpenApiParameter("replace", bool, description="Replace differing stored rows (draft studies only).")
        ],
        request={
            "application/json": OutputRowSerializer(many=True),
            "application/x-ndjson": OutputRowSerializer,
            "multipart/form-data": UploadFileSerializer,
        },
        responses={
            200: OpenApiResponse(UploadCountsSerializer, description="Stored; nothing new."),
            201: OpenApiResponse(UploadCountsSerializer, description="Stored, with new responses."),
            202: OpenApiResponse(JobSerializer, description="A large upload, queued as a job."),
            409: OpenApiResponse(
                ErrorResponseSerializer, description="Rows differ from stored data, or the study is closed."
            ),
            **ERRORS,
            **NOT_FOUND,
        },
    )
    def post(self, request, slug: str):
        study = selectors.study_owned(request.user, slug)
        replace = request.query_params.get("replace", "").lower() in TRUE
        check_upload_allowed(study, replace=replace)  # before reading a large body
        text, fmt, field = read_upload(request)
        result = outputs_receive(study=study, user=request.user, text=text, fmt=fmt, field_name=field, replace=replace)
        if isinstance(result, UploadJob):
            result.refresh_from_db()
            result._processed_rows = services.upload_job_progress(result)  # type: ignore[attr-defined]  # JobSerializer
            data = JobSerializer(result, context={"request": request}).data
            return Response(data, status=202, headers={"Location": str(data["url"])})
        return Response(result.as_dict(), status=201 if result.created else 200)


class JobDetailApi(APIView):
    @extend_schema(
        summary="An upload job: status, progress, counts, errors", responses={200: JobSerializer, **ERRORS, **CONFLICT}
    )
    def get(self, request, pk):
        job = get_object_or_404(selectors.jobs_for(request.user), pk=pk)
        job._processed_rows = services.upload_job_progress(job)
        return Response(JobSerializer(job, context={"request": request}).data)
