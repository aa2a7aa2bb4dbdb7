"""Collecting a system's responses from an endpoint: stored as uploaded outputs, never paid twice."""

from __future__ import annotations

import pytest

from comparisons.errors import Conflict, InvalidInput
from comparisons.models import Response, Study
from judges.collect import collection_create, collection_queue, generation_run
from judges.models import Generation
from tests.comparisons.helpers import upload
from tests.factories import ResearcherFactory
from tests.judges.fake_llm import Reply

pytestmark = pytest.mark.django_db


def echo(seen) -> Reply:
    return Reply(content=f"Vicuna says: {seen.body['messages'][-1]['content']}", usage=(50, 20))


def draft(api, slug: str = "c") -> Study:
    api.post(
        "/api/studies/", {"name": "C", "slug": slug, "design": "all_pairs", "systems": ["LIMA", "GPT-4"]}, format="json"
    )
    rows: list[dict[str, object]] = [
        {"prompt_id": f"p{i}", "prompt": f"Question {i}?", "system": s, "response": f"{s} {i}"}
        for i in range(3)
        for s in ("LIMA", "GPT-4")
    ]
    rows.append(
        {
            "prompt_id": "chat",
            "system": "LIMA",
            "response": "Paris.",
            "prompt": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Capital of France?"},
            ],
        }
    )
    assert upload(api, slug, rows).status_code == 201
    return Study.objects.get(slug=slug)


def run(collection, **options) -> list[str]:
    return [generation_run(generation_id=i) for i in collection_queue(collection=collection, dispatch=False, **options)]


def test_a_systems_responses_are_collected_and_stored_as_outputs_once(api, fake_llm):
    fake_llm.respond = echo
    study = draft(api)
    collection = collection_create(
        study=study, system="Vicuna", base_url=fake_llm.url, model="vicuna-13b", price_completion_per_1k="2"
    )
    assert run(collection) == ["done"] * 4
    stored = {r.prompt.external_id: r for r in Response.objects.filter(system__name="Vicuna").select_related("prompt")}
    assert stored["p1"].text == "Vicuna says: Question 1?"
    assert stored["chat"].text == "Vicuna says: Capital of France?"
    chat = next(s for s in fake_llm.requests if s.body["messages"][-1]["content"] == "Capital of France?")
    assert [m["role"] for m in chat.body["messages"]] == ["user", "assistant", "user"]  # the whole conversation
    assert stored["p0"].metadata["model"] == "vicuna-13b" and stored["p0"].metadata["collected_from"] == fake_llm.url
    assert stored["p0"].metadata["completion_tokens"] == 20 and stored["p0"].metadata["finish_reason"] == "stop"
    assert study.systems.filter(name="Vicuna").exists()
    assert run(collection) == [] and len(fake_llm.requests) == 4
    assert str(sum(g.cost for g in Generation.objects.filter(collection=collection))) == "0.16000000"


def test_only_prompts_without_the_systems_response_are_requested(api, fake_llm):
    fake_llm.respond = echo
    study = draft(api)
    collection = collection_create(study=study, system="GPT-4", base_url=fake_llm.url, model="gpt-4")
    assert run(collection) == ["done"] and fake_llm.requests[0].body["messages"][-1]["content"] == "Capital of France?"


def test_an_open_study_takes_no_new_system_and_a_closed_one_nothing(api, fake_llm):
    study = draft(api)
    api.post("/api/studies/c/open/")
    with pytest.raises(InvalidInput, match="no new systems"):
        collection_create(study=Study.objects.get(pk=study.pk), system="Vicuna", base_url=fake_llm.url, model="m")
    api.post("/api/studies/c/close/")
    with pytest.raises(Conflict):
        collection_create(study=Study.objects.get(pk=study.pk), system="GPT-4", base_url=fake_llm.url, model="m")


def test_a_failed_request_is_retried_by_a_run_and_a_refused_write_keeps_the_paid_text(api, fake_llm, settings):
    fake_llm.respond = echo
    fake_llm.push(Reply(status=503), Reply(status=503))
    collection = collection_create(study=draft(api), system="Vicuna", base_url=fake_llm.url, model="m", max_attempts=2)
    assert sorted(run(collection)) == ["done", "done", "done", "failed"]
    assert run(collection) == ["done"] and len(fake_llm.requests) == 6
    study = draft(api, slug="d")
    settings.LIMA_MAX_TEXT_CHARS = 12  # the endpoint's answers are longer: the write is refused
    other = collection_create(study=study, system="Vicuna", base_url=fake_llm.url, model="m")
    assert run(other) == ["failed"] * 4
    failed = Generation.objects.filter(collection=other).first()
    assert failed.answered and failed.text.startswith("Vicuna says") and not failed.retryable
    assert "the limit is 12 (LIMA_MAX_TEXT_CHARS)" in failed.error
    assert run(other) == [] and len(fake_llm.requests) == 10


def test_a_generation_lost_after_its_answer_is_written_without_a_new_request(api, fake_llm):
    fake_llm.respond = echo
    collection = collection_create(study=draft(api), system="Vicuna", base_url=fake_llm.url, model="m")
    ids = collection_queue(collection=collection, dispatch=False)
    # A worker got the answer, then died before writing it:
    Generation.objects.filter(pk=ids[0]).update(
        state="running", answered=True, text="kept answer", claimed_at="2020-01-01T00:00:00Z"
    )
    assert sorted(run(collection)) == ["done"] * 3 and len(fake_llm.requests) == 3
    assert run(collection, retry_lost=True) == ["done"] and len(fake_llm.requests) == 3
    assert Response.objects.filter(system__name="Vicuna", text="kept answer").exists()


def test_the_collections_api_creates_queues_and_reports_for_the_owner_only(api, fake_llm):
    draft(api)
    body = {"system": "Vicuna", "base_url": fake_llm.url, "model": "vicuna", "api_key_env": "LIMA_JUDGE_KEY_VLLM"}
    created = api.post("/api/studies/c/collections/", body, format="json")
    assert created.status_code == 201 and created.json()["queued"] == 4
    detail = api.get(f"/api/studies/c/collections/{created.json()['id']}/").json()
    assert detail["status"]["by_state"]["pending"] == 4 and detail["api_key_env"] == "LIMA_JUDGE_KEY_VLLM"
    again = api.post("/api/studies/c/collections/", body, format="json")
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "system"
    run_again = api.post(f"/api/studies/c/collections/{created.json()['id']}/run/", {}, format="json")
    assert run_again.status_code == 202 and run_again.json()["queued"] == 4
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ResearcherFactory()).key}")
    assert stranger.get("/api/studies/c/collections/").status_code == 404
    assert [c["system"] for c in api.get("/api/studies/c/collections/").json()] == ["Vicuna"]
