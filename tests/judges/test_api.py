"""The judges API: owners only, the key never shown, run and status, and judge votes in results."""

from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from judges import services
from tests.factories import ResearcherFactory, UserFactory
from tests.judges.conftest import TEST_KEY, TEST_KEY_ENV
from tests.judges.fake_llm import prefers
from tests.judges.helpers import open_study, post_votes

pytestmark = pytest.mark.django_db


def judge_body(fake, **fields) -> dict:
    return {
        "name": "gpt4",
        "base_url": fake.url,
        "model": "gpt-4",
        "api_key_env": TEST_KEY_ENV,
        "price_prompt_per_1k": "0.03",
        "price_completion_per_1k": "0.06",
        **fields,
    }


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_researcher_adds_and_lists_judges_and_never_sees_a_key(api, fake_llm):
    open_study(api)
    created = api.post("/api/studies/j/judges/", judge_body(fake_llm), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["rater"] == "judge:gpt4" and body["api_key_env"] == TEST_KEY_ENV and body["order_policy"] == "both"
    assert "[Response A]" in body["prompt_template"]  # the default template
    assert body["status"]["calls"] == 0 and body["status"]["votes"] == 0
    listed = api.get("/api/studies/j/judges/")
    assert [j["name"] for j in listed.json()] == ["gpt4"]
    for response in (
        created,
        listed,
        api.get("/api/studies/j/judges/gpt4/"),
        api.get("/api/studies/j/judges/gpt4/calls/"),
    ):
        assert TEST_KEY not in response.content.decode()


def test_bad_judges_are_refused_with_the_field_and_reason(api, fake_llm):
    open_study(api)
    bad = api.post(
        "/api/studies/j/judges/",
        judge_body(
            fake_llm, prompt_template="Compare $response_a", max_concurrency=0, api_key_env="sk-proj-" + "x" * 48
        ),
        format="json",
    )
    assert bad.status_code == 400
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"max_concurrency", "api_key_env"} <= fields
    template = api.post(
        "/api/studies/j/judges/", judge_body(fake_llm, prompt_template="Compare $response_a"), format="json"
    )
    assert template.status_code == 400 and {e["reason"] for e in template.json()["errors"]} >= {"must contain $prompt"}
    api.post("/api/studies/j/judges/", judge_body(fake_llm), format="json")
    again = api.post("/api/studies/j/judges/", judge_body(fake_llm), format="json")
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "name"


def test_only_the_owner_sees_a_studys_judges(api, fake_llm):
    open_study(api)
    api.post("/api/studies/j/judges/", judge_body(fake_llm), format="json")
    stranger = client_of(ResearcherFactory())
    assert stranger.get("/api/studies/j/judges/").status_code == 404
    assert stranger.post("/api/studies/j/judges/gpt4/run/").status_code == 404
    assert client_of(UserFactory()).get("/api/studies/j/judges/").status_code == 403
    assert APIClient().get("/api/studies/j/judges/").status_code == 401


def test_run_queues_the_calls_and_status_counts_them(api, fake_llm):
    open_study(api)
    api.post("/api/studies/j/judges/", judge_body(fake_llm, order_policy="random_one"), format="json")
    run = api.post("/api/studies/j/judges/gpt4/run/", {}, format="json")
    assert run.status_code == 202 and run.json()["queued"] == 6
    status = api.get("/api/studies/j/judges/gpt4/status/").json()
    assert status["by_state"]["pending"] == 6 and status["comparisons"] == 6 and status["cost"] == "0.000000"
    assert api.post("/api/studies/j/judges/gpt4/run/", {"retry_lost": "maybe"}, format="json").status_code == 400
    assert api.get("/api/studies/j/judges/nope/status/").status_code == 404


def test_judge_votes_show_in_results_beside_the_crowd_with_their_agreement(api, fake_llm):
    fake_llm.respond = prefers("GOOD")
    study = open_study(api, prompts=10, good=6)
    judge = services.judge_create(study=study, name="gpt4", base_url=fake_llm.url, model="gpt-4")
    for call_id in services.judge_queue(judge=judge, dispatch=False):
        services.judge_call_run(call_id=call_id)
    crowd = [
        {
            "prompt_id": f"p{i}",
            "left_system": "LIMA",
            "right_system": "GPT-4",
            "rater": f"r{k}",
            "choice": "left" if i < 6 else "tie",
        }
        for i in range(10)
        for k in range(2)
    ]
    assert post_votes(api, "j", crowd).status_code == 201
    judged = api.get("/api/studies/j/results/?rater_group=judge").json()
    assert judged["n_votes"] == 10
    counts = judged["pairs"][0]["counts"]
    assert (counts["wins"], counts["ties"], counts["losses"]) == (6, 4, 0)
    everyone = api.get("/api/studies/j/results/?level=0.9").json()
    by_group = everyone["pairs"][0]["by_group"]
    assert by_group["judge"]["counts"]["wins"] == 6 and by_group["crowd"]["counts"]["n"] == 20
    agreement = {tuple(g["groups"]): g for g in everyone["agreement"]["tie_discounted_accuracy_by_group"]}
    assert agreement[("crowd", "judge")]["tie_discounted_accuracy"]["estimate"] == 1.0
    export = api.get("/api/studies/j/votes.csv").getvalue().decode()
    assert export.count("judge:gpt4") == 10 and json.dumps(TEST_KEY) not in export
