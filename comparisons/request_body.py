"""Reading an upload's body from a researcher's API request (outputs, vote import): JSON,
JSON Lines or a multipart file, after the size and file-type checks. HTTP-in only; the
parsing and validation are comparisons.ingest's."""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request

from comparisons.errors import InvalidInput, RowError
from comparisons.ingest.parse import JSON, JSONL, decode
from comparisons.services.receive import read_uploaded_file, too_big


def read_upload(request: Request) -> tuple[str, str, str]:
    """The text of a JSON, JSON Lines or multipart upload, its format and the field that
    carried it ("body" or "file"), after the size and file-type checks."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    content_type = request.content_type.split(";")[0].strip()
    if content_type.startswith("multipart/"):
        if declared > settings.LIMA_UPLOAD_MAX_BYTES + 64 * 1024:
            raise too_big(declared, "file")
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput("no file was uploaded", [RowError(None, "file", "is required (a .jsonl or .json file)")])
        text, fmt = read_uploaded_file(upload)
        return text, fmt, "file"
    if declared > settings.LIMA_UPLOAD_MAX_BYTES:
        raise too_big(declared, "body")
    body = request.data if isinstance(request.data, bytes) else b""
    return decode(body, field_name="body"), JSON if content_type == "application/json" else JSONL, "body"
