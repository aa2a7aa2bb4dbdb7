"""Prolific's webhooks: verified by their signature, stored once per event id, and turned into
a sync of the study (which a worker runs)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from prolific.models import WebhookEvent
from tests.prolific.helpers import prolific_study

pytestmark = pytest.mark.django_db
SECRET = "whsec-test-1234"


def signed(client, body: dict, *, secret: str = SECRET, at: int | None = None, event: str = "ev1"):
    raw = json.dumps(body).encode()
    ts = str(at if at is not None else int(time.time()))
    sig = base64.b64encode(hmac.new(secret.encode(), ts.encode() + raw, hashlib.sha256).digest()).decode()
    return client.post(
        "/api/prolific/hooks/",
        raw,
        content_type="application/json",
        HTTP_X_PROLIFIC_REQUEST_SIGNATURE=sig,
        HTTP_X_PROLIFIC_REQUEST_TIMESTAMP=ts,
        HTTP_X_EVENT_ID=event,
    )


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("PROLIFIC_WEBHOOK_SECRET", SECRET)


def test_a_signed_event_is_stored_once_and_queues_one_sync(client, fake, secret, django_capture_on_commit_callbacks):
    link = prolific_study(fake)
    body = {"event_type": "submission.status.change", "resource_id": "sub9", "study_id": "PS1", "status": "RETURNED"}
    with django_capture_on_commit_callbacks() as queued:
        first = signed(client, body)
    assert first.status_code == 200 and first.json() == {"received": True, "duplicate": False}
    assert len(queued) == 1
    with django_capture_on_commit_callbacks() as again:
        second = signed(client, body)
    assert second.json()["duplicate"] is True and again == []
    assert WebhookEvent.objects.get().payload["status"] == "RETURNED" and link.pk


@pytest.mark.parametrize("case", ["wrong secret", "stale", "tampered"])
def test_a_bad_or_stale_signature_is_refused_and_nothing_stored(client, fake, secret, case):
    body = {"event_type": "submission.status.change", "resource_id": "sub9"}
    if case == "wrong secret":
        response = signed(client, body, secret="other")
    elif case == "stale":
        response = signed(client, body, at=int(time.time()) - 3600)
    else:
        raw = json.dumps(body).encode()
        ts = str(int(time.time()))
        sig = base64.b64encode(hmac.new(SECRET.encode(), ts.encode() + raw, hashlib.sha256).digest()).decode()
        response = client.post(
            "/api/prolific/hooks/",
            raw.replace(b"sub9", b"sub8"),
            content_type="application/json",
            HTTP_X_PROLIFIC_REQUEST_SIGNATURE=sig,
            HTTP_X_PROLIFIC_REQUEST_TIMESTAMP=ts,
        )
    assert response.status_code == 403 and not WebhookEvent.objects.exists()


def test_without_a_secret_webhooks_are_off(client, monkeypatch):
    monkeypatch.delenv("PROLIFIC_WEBHOOK_SECRET", raising=False)
    assert client.post("/api/prolific/hooks/", b"{}", content_type="application/json").status_code == 404
