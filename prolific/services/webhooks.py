"""Prolific's webhooks (https://docs.prolific.com/api-reference/webhooks): a signed POST when a
submission's status changes. The signature is base64(HMAC-SHA256(secret, timestamp + body))
in X-Prolific-Request-Signature, the UNIX timestamp in X-Prolific-Request-Timestamp; each
event carries X-Event-ID, stored once, so a redelivery does nothing. A verified event queues
a sync of its study: the sync reads Prolific's state and acts, so the order and number of
deliveries never matter."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.db import IntegrityError, transaction

from prolific.models import ProlificLink, Submission, WebhookEvent
from prolific.services.sync import prolific_sync_queue

MAX_AGE_SECONDS = 300  # older or future timestamps are refused (replays)


def signature_valid(*, secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None) -> bool:
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent) > MAX_AGE_SECONDS:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, (signature or "").encode())


def webhook_receive(*, event_id: str, payload: dict) -> bool:
    """Store the event once and queue a sync of its study; False for a redelivery."""
    event_type = str(payload.get("event_type") or "")[:100]
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(event_id=event_id[:200], event_type=event_type, payload=payload)
    except IntegrityError:
        return False
    resource = str(payload.get("resource_id") or "")
    study = str(payload.get("study_id") or "")
    link_id = (
        Submission.objects.filter(submission_id=resource).values_list("link_id", flat=True).first()
        or ProlificLink.objects.filter(prolific_study_id__in=[resource, study]).values_list("pk", flat=True).first()
    )
    if link_id:
        prolific_sync_queue(link_id=link_id, by="webhook")
    return True
