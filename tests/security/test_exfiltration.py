"""A researcher cannot make a worker send an environment value the operator did not allow.

Against the code before this suite, `api_key_env: "SECRET_KEY"` and a base_url the researcher
controls made the worker send Django's SECRET_KEY as a bearer token (issue 10)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings

from judges import services
from judges.models import JudgeCall
from tests.judges.helpers import open_study, run_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fake_endpoint_allowed(settings):
    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]  # the researcher's own server, here on loopback


FORBIDDEN = ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PATH", "HOME", "DJANGO_SETTINGS_MODULE", "secret_key"]


def judge_body(fake, **fields) -> dict:
    return {"name": "thief", "base_url": fake.url, "model": "m", **fields}


@pytest.mark.parametrize("name", FORBIDDEN)
def test_a_judge_naming_a_variable_outside_the_allowlist_is_a_400_naming_the_field(api, fake_llm, settings, name):
    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    open_study(api)
    response = api.post("/api/studies/j/judges/", judge_body(fake_llm, api_key_env=name), format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["api_key_env"]
    collection = api.post(
        "/api/studies/j/collections/",
        {"system": "GPT-4", "base_url": fake_llm.url, "model": "m", "api_key_env": name},
        format="json",
    )
    assert collection.status_code == 400 and collection.json()["errors"][0]["field"] == "api_key_env"


def test_djangos_secrets_stay_refused_even_when_the_operator_allows_everything(api, fake_llm, settings):
    settings.LIMA_ALLOWED_KEY_ENVS = ["*", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"]
    open_study(api)
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        response = api.post("/api/studies/j/judges/", judge_body(fake_llm, api_key_env=name), format="json")
        assert response.status_code == 400, name


def test_a_stored_judge_pointed_at_a_secret_later_sends_nothing(api, fake_llm, monkeypatch):
    """A judge created under a looser policy (or edited in the admin) is checked again at call time."""
    monkeypatch.setenv("SECRET_KEY", django_settings.SECRET_KEY)  # as in production: the workers have it
    judge = services.judge_create(
        study=open_study(api, prompts=1), name="j", base_url=fake_llm.url, model="m", order_policy="random_one"
    )
    type(judge).objects.filter(pk=judge.pk).update(api_key_env="SECRET_KEY")
    judge.refresh_from_db()
    assert run_all(judge) == ["failed"]
    assert fake_llm.requests == []  # no request at all, so no header carried the secret
    call = JudgeCall.objects.get(judge=judge)
    assert "outbound policy" in call.error and django_settings.SECRET_KEY not in call.error


def test_an_allowed_name_holding_one_of_djangos_secrets_is_refused_at_call_time(api, fake_llm, monkeypatch):
    monkeypatch.setenv("LIMA_JUDGE_KEY_COPY", django_settings.SECRET_KEY)
    judge = services.judge_create(
        study=open_study(api, prompts=1),
        name="j",
        base_url=fake_llm.url,
        model="m",
        api_key_env="LIMA_JUDGE_KEY_COPY",
        order_policy="random_one",
    )
    assert run_all(judge) == ["failed"] and fake_llm.requests == []


def test_an_allowed_key_is_sent_as_before(api, fake_llm, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-allowed-1")
    judge = services.judge_create(
        study=open_study(api, prompts=1),
        name="j",
        base_url=fake_llm.url,
        model="m",
        api_key_env="OPENAI_API_KEY",
        order_policy="random_one",
    )
    run_all(judge)
    sent = [{k.lower(): v for k, v in r.headers.items()}.get("authorization") for r in fake_llm.requests]
    assert sent == ["Bearer sk-allowed-1"]
    assert os.environ["OPENAI_API_KEY"] == "sk-allowed-1"
