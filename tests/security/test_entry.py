"""A URL parameter opens only what the study allows, and never another kind of rater.

Against the code before this suite, /r/{slug}/?PROLIFIC_PID=... skipped the study's entry
rules and returned an existing rater whatever its source: an invited expert, or the LLM
judge's own rater (issue 10)."""

from __future__ import annotations

import base64
import json

import pytest
from django.core import signing

from comparisons.errors import ServiceError
from raters import services
from raters.access import COOKIE
from raters.models import Rater, StudyRaterSettings, Vote
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db


def cookie_payload(value: str) -> object:
    """What a signed value says to anyone who reads it (signing is not encryption)."""
    encoded = value.split(":")[0]
    raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    return json.loads(raw)


def test_a_prolific_id_never_enters_an_invited_expert(client):
    study = open_study(slug="experts")
    expert, _ = services.invite_create(study=study, name="alice-expert", group="expert")
    response = client.get("/r/experts/?PROLIFIC_PID=alice-expert&STUDY_ID=s&SESSION_ID=x")
    assert response.status_code == 403 and COOKIE not in response.cookies
    assert client.get("/r/experts/vote/").status_code == 403
    assert not Vote.objects.filter(rater=expert).exists()
    assert Rater.objects.filter(study=study).count() == 1


def test_a_prolific_id_never_enters_the_judges_rater(client):
    study = open_study(slug="judged")
    Rater.objects.create(study=study, external_id="judge:gpt4judge", source=Rater.Source.JUDGE, group="judge")
    response = client.get("/r/judged/?PROLIFIC_PID=judge:gpt4judge")
    assert response.status_code in (400, 403) and COOKIE not in response.cookies
    with pytest.raises(ServiceError):
        services.rater_enter_prolific(study=study, pid="judge:gpt4judge")


def test_each_entry_path_opens_only_a_study_that_enables_it(client):
    study = open_study(slug="closed-paths", allow_prolific=False, allow_invite=False, allow_anonymous=False)
    _, token = services.invite_create(study=study, name="bob")
    assert client.get("/r/closed-paths/?PROLIFIC_PID=5f00aa").status_code == 403
    assert client.get(f"/r/closed-paths/i/{token}/").status_code == 403
    assert client.post("/r/closed-paths/").status_code == 403
    assert Rater.objects.filter(study=study).count() == 1  # bob, created by the researcher, never entered
    StudyRaterSettings.objects.filter(study=study).update(allow_prolific=True, allow_invite=True)
    assert client.get("/r/closed-paths/?PROLIFIC_PID=5f00aa").status_code == 302
    assert client.get(f"/r/closed-paths/i/{token}/").status_code == 302


def test_the_rater_cookie_and_invite_links_carry_no_database_id(client):
    study = open_study(slug="opaque")
    rater, token = services.invite_create(study=study, name="carol")
    entered = client.get(f"/r/opaque/i/{token}/")
    cookie = entered.cookies[COOKIE].value
    readable = json.dumps([cookie_payload(cookie), cookie_payload(token)])
    for number in (rater.pk, study.pk):
        assert f"{number}," not in readable and f", {number}" not in readable and f": {number}" not in readable
    assert "carol" not in readable and rater.key in readable
    assert cookie_payload(cookie) == rater.key


def test_an_old_style_cookie_with_ids_no_longer_opens_a_session(client):
    study = open_study(slug="old")
    rater = services.rater_enter_prolific(study=study, pid="P1")
    client.cookies[COOKIE] = signing.dumps([study.pk, rater.pk], salt="raters.rater")
    assert client.get("/r/old/vote/").status_code == 403
