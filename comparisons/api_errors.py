"""One error shape for the whole API:

    {"detail": "...", "errors": [{"row": 3 | null, "field": "response", "reason": "..."}]}

Serializer errors are flattened into it, so a client reads every 400 the same way."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from comparisons.errors import ServiceError
from comparisons.serializers import ErrorResponseSerializer

# The error answers every researcher API documents (drf-spectacular `responses=`).
ERRORS = {
    400: OpenApiResponse(ErrorResponseSerializer, description="Invalid input: each error names its field and reason."),
    401: OpenApiResponse(ErrorResponseSerializer, description="No researcher token or login."),
    403: OpenApiResponse(ErrorResponseSerializer, description="Not a researcher."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorResponseSerializer, description="No such study of yours.")}
CONFLICT = {409: OpenApiResponse(ErrorResponseSerializer, description="The study's state does not allow it.")}


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else "non_field_errors"
            out += _flatten(value, f"{prefix}.{name}" if prefix else str(name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [{"row": None, "field": prefix or "body", "reason": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out += _flatten(item, f"{prefix}[{index}]")
        return out
    return [{"row": None, "field": prefix or "body", "reason": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        summary = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return Response(
            {"detail": f"invalid input: {summary}", "error_count": len(errors), "errors": errors}, status=400
        )
    return drf_exception_handler(exc, context)
