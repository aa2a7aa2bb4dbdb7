"""A judge's base_url cannot aim a worker at the service's own network, nor bring back what
it found there.

Against the code before this suite, a base_url ending in "?x=" made the worker POST to any
internal address, and the first 500 characters of the reply were shown in the judge's calls
(issue 10)."""

from __future__ import annotations

import pytest

from judges import outbound, services
from judges.models import JudgeCall
from tests.judges.fake_llm import Reply
from tests.judges.helpers import open_study, run_all

pytestmark = pytest.mark.django_db

INTERNAL_PAGE = "root:x:0:0:root:/root:/bin/bash INTERNAL-ADMIN-PAGE"


def refused_urls(fake) -> list[str]:
    port = fake.url.split(":")[2].split("/")[0]
    return [
        f"http://127.0.0.1:{port}/internal?x=",  # the attack: the path became a query
        f"{fake.url}#",
        f"http://user:pw@127.0.0.1:{port}/v1",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://localhost:6379/",
        "http://[::1]:5432/",
        "http://10.0.0.5/v1",
        "http://192.168.1.1/v1",
        "http://2130706433/v1",  # 127.0.0.1 written as one number
        "http://0.0.0.0:8000/v1",
        "http://[::ffff:127.0.0.1]/v1",
    ]


def test_every_internal_or_malformed_base_url_is_a_400_naming_base_url(api, fake_llm):
    open_study(api)
    for url in refused_urls(fake_llm):
        response = api.post("/api/studies/j/judges/", {"name": "probe", "base_url": url, "model": "m"}, format="json")
        assert response.status_code == 400, url
        assert "base_url" in {e["field"] for e in response.json()["errors"]}, url
        collection = api.post(
            "/api/studies/j/collections/", {"system": "GPT-4", "base_url": url, "model": "m"}, format="json"
        )
        assert collection.status_code == 400, url
    assert fake_llm.requests == []


def test_the_policy_checks_every_address_a_name_resolves_to():
    with pytest.raises(outbound.PolicyError):
        outbound.url_check("http://localhost/v1")
    assert outbound.url_check("https://1.1.1.1/v1/") == "https://1.1.1.1/v1"  # a public address (no DNS needed)


def test_a_host_the_operator_allows_is_checked_again_at_call_time(api, fake_llm, settings):
    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    judge = services.judge_create(
        study=open_study(api, prompts=1), name="j", base_url=fake_llm.url, model="m", order_policy="random_one"
    )
    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = []  # the operator withdrew it (or the name now points inside)
    assert run_all(judge) == ["failed"]
    assert fake_llm.requests == []
    assert "non-public address" in JudgeCall.objects.get(judge=judge).error


@pytest.mark.parametrize("status", [500, 404, 401])
def test_a_failed_call_keeps_its_status_and_never_the_body(api, fake_llm, settings, status):
    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    fake_llm.respond = lambda seen: Reply(status=status, content=INTERNAL_PAGE)
    judge = services.judge_create(
        study=open_study(api, prompts=1),
        name="j",
        base_url=fake_llm.url,
        model="m",
        order_policy="random_one",
        max_attempts=2,
    )
    assert run_all(judge) == ["failed"]
    call = JudgeCall.objects.get(judge=judge)
    assert call.http_status == status and f"HTTP {status}" in call.error
    assert "INTERNAL" not in call.error and "root:" not in call.error and "INTERNAL" not in call.raw_answer
    listed = api.get("/api/studies/j/judges/j/calls/").content.decode()
    assert "INTERNAL-ADMIN-PAGE" not in listed


def test_the_request_url_joins_paths_and_redirects_are_not_followed(api, fake_llm, settings):
    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    fake_llm.push(Reply(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    judge = services.judge_create(
        study=open_study(api, prompts=1), name="j", base_url=fake_llm.url + "/", model="m", order_policy="random_one"
    )
    assert run_all(judge) == ["failed"]
    assert [r.path for r in fake_llm.requests] == ["/v1/chat/completions"]  # one request: the redirect was not followed
    assert "redirects are not followed" in JudgeCall.objects.get(judge=judge).error
