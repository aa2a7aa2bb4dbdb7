"""POST /api/prolific/hooks/: Prolific's webhook deliveries (no login; the signature is the
proof). The secret comes from the environment variable PROLIFIC_WEBHOOK_SECRET."""

from __future__ import annotations

import hashlib
import json
import os

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from prolific.services.webhooks import signature_valid, webhook_receive

SECRET_ENV = "PROLIFIC_WEBHOOK_SECRET"


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> JsonResponse:
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        return JsonResponse({"detail": "Webhooks are off: PROLIFIC_WEBHOOK_SECRET is not set."}, status=404)
    body = request.body
    if not signature_valid(
        secret=secret,
        timestamp=request.headers.get("X-Prolific-Request-Timestamp", ""),
        body=body,
        signature=request.headers.get("X-Prolific-Request-Signature", ""),
    ):
        return JsonResponse({"detail": "Bad or stale signature."}, status=403)
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return JsonResponse({"detail": "body: must be a JSON object"}, status=400)
    event_id = request.headers.get("X-Event-ID") or hashlib.sha256(body).hexdigest()
    created = webhook_receive(event_id=event_id, payload=payload)
    return JsonResponse({"received": True, "duplicate": not created})
