"""Judging in real Celery worker processes: the run API queues tasks; two worker processes
share the endpoint's concurrency limit through Redis."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.judges.conftest import TEST_KEY, TEST_KEY_ENV
from tests.judges.fake_llm import Reply, prefers
from tests.judges.helpers import open_study

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker", "transactional_db")]


def test_a_run_is_judged_by_the_workers_one_request_at_a_time_as_configured(api, fake_llm):
    good = prefers("GOOD")
    fake_llm.respond = lambda seen: Reply(content=good(seen).content, delay=0.15, usage=(200, 5))
    open_study(api, prompts=8, good=5)
    body = {
        "name": "gpt4",
        "base_url": fake_llm.url,
        "model": "gpt-4",
        "api_key_env": TEST_KEY_ENV,
        "max_concurrency": 1,
        "price_prompt_per_1k": "0.01",
        "price_completion_per_1k": "0.03",
    }
    assert api.post("/api/studies/j/judges/", body, format="json").status_code == 201
    assert api.post("/api/studies/j/judges/gpt4/run/", {}, format="json").json()["queued"] == 16
    status = wait_for(
        lambda: (s := api.get("/api/studies/j/judges/gpt4/status/").json())["votes"] == 8 and s,
        timeout=60,
        what="the workers to judge 8 comparisons",
    )
    assert status["by_state"]["done"] == 16 and status["cost"] == "0.034400"  # 16 x (200 x 0.01 + 5 x 0.03) / 1000
    assert len(fake_llm.requests) == 16 and fake_llm.max_in_flight == 1
    assert {seen.headers["Authorization"] for seen in fake_llm.requests} == {f"Bearer {TEST_KEY}"}
    results = api.get("/api/studies/j/results/?rater_group=judge").json()
    assert results["pairs"][0]["counts"]["wins"] == 5 and results["pairs"][0]["counts"]["ties"] == 3
    again = api.post("/api/studies/j/judges/gpt4/run/", {}, format="json").json()
    assert again["queued"] == 0 and len(fake_llm.requests) == 16


def test_a_collection_is_requested_by_the_workers_and_lands_as_outputs(api, fake_llm):
    from comparisons.models import Response

    fake_llm.respond = lambda seen: Reply(content=f"Vicuna: {seen.body['messages'][-1]['content']}", delay=0.05)
    api.post("/api/studies/", {"name": "C", "slug": "c", "design": "all_pairs", "systems": ["LIMA"]}, format="json")
    api.post(
        "/api/studies/c/outputs/",
        [{"prompt_id": f"p{i}", "prompt": f"Q{i}?", "system": "LIMA", "response": "x"} for i in range(6)],
        format="json",
    )
    created = api.post(
        "/api/studies/c/collections/",
        {"system": "Vicuna", "base_url": fake_llm.url, "model": "vicuna", "max_concurrency": 2},
        format="json",
    )
    assert created.status_code == 201 and created.json()["queued"] == 6
    wait_for(
        lambda: Response.objects.filter(system__name="Vicuna").count() == 6, timeout=60, what="six collected responses"
    )
    assert sorted(Response.objects.filter(system__name="Vicuna").values_list("text", flat=True)) == [
        f"Vicuna: Q{i}?" for i in range(6)
    ]
    assert len(fake_llm.requests) == 6 and fake_llm.max_in_flight <= 2
    opened = api.post("/api/studies/c/open/")
    assert opened.status_code == 200 and opened.json()["systems"] == ["LIMA", "Vicuna"]
