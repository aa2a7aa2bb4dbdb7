"""The Prolific token lives in the environment only: never stored, shown or logged — not in a
response, a log line (down to httpx's DEBUG lines), an export, a page or the admin, even when
Prolific echoes it back in an error."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from prolific.models import Action, BonusBatch, ProlificLink, Submission
from prolific.services import prolific_sync
from tests.prolific.conftest import TOKEN
from tests.prolific.fake_prolific import Fail
from tests.prolific.helpers import CODE, fast_client, prolific_study, rate

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.status_code == 200, response
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode()


def stored_text() -> str:
    rows = [
        *ProlificLink.objects.values(),
        *Submission.objects.values(),
        *Action.objects.values(),
        *BonusBatch.objects.values(),
    ]
    return repr(rows)


def test_the_token_is_in_no_response_log_export_page_or_row(fake, api, caplog, django_user_model):
    caplog.set_level(logging.DEBUG)
    link = prolific_study(fake, bonus_per_vote="0.10")
    link.study.owner = api.user
    link.study.save()
    sid = fake.participant_starts("PS1", "GOOD")
    rate(link.study, "GOOD", session=sid)
    fake.participant_completes(sid, CODE)
    fake.fail(Fail("GET", "/submissions/", status=400, message=f"Invalid header: Token {TOKEN}"))
    failed = prolific_sync(link_id=link.pk, client=fast_client())
    assert "[token]" in failed["error"]
    prolific_sync(link_id=link.pk, client=fast_client())
    assert fake.submissions[sid]["status"] == "APPROVED"
    assert fake.requests[-1].headers["Authorization"] == f"Token {TOKEN}"  # it was sent, to Prolific only

    texts = [
        body(api.get(url))
        for url in (
            "/api/studies/pro/prolific/",
            "/api/studies/pro/votes.csv",
            "/api/studies/pro/votes.jsonl",
            "/api/studies/pro/",
            "/api/studies/pro/raters/",
            "/api/schema/",
        )
    ]
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    browser = Client()
    browser.force_login(admin)
    texts += [
        body(browser.get(url))
        for url in (
            "/dashboard/s/pro/",
            "/dashboard/s/pro/results.csv",
            "/dashboard/s/pro/results.jsonl",
            f"/admin/prolific/prolificlink/{link.pk}/change/",
            "/admin/prolific/action/",
            "/admin/prolific/bonusbatch/",
        )
    ]
    assert "Prolific" in texts[6] and all(TOKEN not in t for t in texts)
    assert TOKEN not in caplog.text and "HTTP Request" in caplog.text
    assert TOKEN not in stored_text()
