"""POST /api/studies/{slug}/outputs/: formats, idempotency, 409s, all-or-nothing, limits."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comparisons.models import Prompt, Response, Study, System
from tests.comparisons.helpers import create_study, jsonl, rows_for, upload

pytestmark = pytest.mark.django_db

SYSTEMS = ["LIMA", "GPT-4", "Bard"]


def stored() -> tuple[int, int]:
    return Prompt.objects.count(), Response.objects.count()


def test_a_json_array_is_stored_and_counted(api):
    create_study(api, slug="s")
    response = upload(api, "s", rows_for(4, SYSTEMS))
    assert response.status_code == 201
    assert response.json() == {
        "rows": 12,
        "created": 12,
        "unchanged": 0,
        "replaced": 0,
        "prompts_created": 4,
        "prompts_replaced": 0,
        "systems_created": 0,
        "systems_added": 0,
    }
    assert stored() == (4, 12)
    prompt = Prompt.objects.get(external_id="p1")
    assert prompt.text == "Question 1?" and prompt.category == "knowledge"
    assert Response.objects.get(prompt=prompt, system__name="GPT-4").length == len("GPT-4 answers 1.")


def test_json_lines_are_stored(api):
    create_study(api, slug="s")
    response = api.post("/api/studies/s/outputs/", jsonl(rows_for(3, SYSTEMS)), content_type="application/x-ndjson")
    assert response.status_code == 201 and response.json()["created"] == 9


@pytest.mark.parametrize(("name", "render"), [("outputs.jsonl", jsonl), ("outputs.json", json.dumps)])
def test_an_uploaded_file_is_stored(api, name, render):
    create_study(api, slug="s")
    file = SimpleUploadedFile(name, render(rows_for(2, SYSTEMS)).encode())
    response = api.post("/api/studies/s/outputs/", {"file": file}, format="multipart")
    assert response.status_code == 201 and response.json()["created"] == 6


def test_a_file_of_another_type_is_refused(api):
    create_study(api, slug="s")
    response = api.post("/api/studies/s/outputs/", {"file": SimpleUploadedFile("a.csv", b"x")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": None, "field": "file", "reason": "'a.csv' must end in .jsonl or .json"}
    ]


def test_a_prompt_text_may_come_once_and_be_referred_to_after(api):
    create_study(api, slug="s")
    assert (
        upload(api, "s", [{"prompt_id": "q", "prompt": "Why?", "system": "LIMA", "response": "a"}]).status_code == 201
    )
    assert upload(api, "s", [{"prompt_id": "q", "system": "GPT-4", "response": "b"}]).status_code == 201
    assert Response.objects.filter(prompt__external_id="q").count() == 2


def test_a_prompt_never_given_is_refused_with_its_row(api):
    create_study(api, slug="s")
    response = upload(api, "s", rows_for(1, SYSTEMS) + [{"prompt_id": "new", "system": "LIMA", "response": "a"}])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 4, "field": "prompt", "reason": "is required the first time prompt_id 'new' is uploaded"}
    ]
    assert stored() == (0, 0)


def test_the_same_upload_twice_changes_nothing(api):
    create_study(api, slug="s")
    upload(api, "s", rows_for(3, SYSTEMS))
    before = list(Response.objects.values_list("id", "text", "updated_at"))
    response = upload(api, "s", rows_for(3, SYSTEMS))
    assert response.status_code == 200
    assert response.json()["created"] == 0 and response.json()["unchanged"] == 9
    assert list(Response.objects.values_list("id", "text", "updated_at")) == before


def test_a_different_response_for_a_stored_pair_is_a_409_and_stores_nothing(api):
    create_study(api, slug="s")
    upload(api, "s", rows_for(2, SYSTEMS))
    rows = rows_for(3, SYSTEMS)
    rows[1]["response"] = "Something else"
    response = upload(api, "s", rows)
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {
            "row": 2,
            "field": "response",
            "reason": "differs from the stored response for ('p0', 'GPT-4'); "
            "use ?replace=true on a draft study to replace it",
        }
    ]
    assert stored() == (2, 6)
    assert not Prompt.objects.filter(external_id="p2").exists()


def test_a_different_prompt_text_is_a_409(api):
    create_study(api, slug="s")
    upload(api, "s", rows_for(1, SYSTEMS))
    response = upload(
        api, "s", [{"prompt_id": "p0", "prompt": "Changed?", "system": "LIMA", "response": "LIMA answers 0."}]
    )
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "prompt"


def test_replace_on_a_draft_replaces_and_counts(api):
    create_study(api, slug="s")
    upload(api, "s", rows_for(2, SYSTEMS))
    rows = rows_for(2, SYSTEMS)
    rows[0]["response"] = "Better answer"
    for row in rows[:3]:
        row["prompt"] = "Question 0, reworded?"
    response = upload(api, "s", rows, query="?replace=true")
    assert response.status_code == 200
    assert (
        response.json()["replaced"] == 1
        and response.json()["prompts_replaced"] == 1
        and response.json()["unchanged"] == 5
    )
    changed = Response.objects.get(prompt__external_id="p0", system__name="LIMA")
    assert changed.text == "Better answer" and changed.length == len("Better answer")
    assert Prompt.objects.get(external_id="p0").text == "Question 0, reworded?"


def test_replace_is_refused_once_the_study_is_open(api):
    create_study(api, slug="s")
    upload(api, "s", rows_for(2, SYSTEMS))
    assert api.post("/api/studies/s/open/").status_code == 200
    response = upload(api, "s", rows_for(2, SYSTEMS), query="?replace=true")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "row": None,
        "field": "replace",
        "reason": "only a draft study's outputs can be replaced; this study is open",
    }


def test_unknown_systems_join_a_draft_and_are_refused_by_an_open_study(api):
    create_study(api, slug="s")
    response = upload(api, "s", rows_for(1, SYSTEMS + ["Claude"]))
    assert response.status_code == 201 and response.json()["systems_created"] == 1
    study = Study.objects.get(slug="s")
    assert sorted(study.systems.values_list("name", flat=True)) == ["Bard", "Claude", "GPT-4", "LIMA"]
    api.post("/api/studies/s/open/")
    response = upload(api, "s", rows_for(1, ["LIMA", "Alpaca"], start=5))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 2,
            "field": "system",
            "reason": "unknown system 'Alpaca': the study is open, so no new systems can be added",
        }
    ]
    assert not System.objects.filter(name="Alpaca").exists()
    assert not Prompt.objects.filter(external_id="p5").exists()


def test_a_closed_study_takes_no_outputs(api):
    create_study(api, slug="s")
    upload(api, "s", rows_for(1, SYSTEMS))
    api.post("/api/studies/s/close/")
    response = upload(api, "s", rows_for(1, SYSTEMS, start=1))
    assert response.status_code == 409 and "closed" in response.json()["detail"]


def test_one_bad_row_stores_nothing_and_every_bad_row_is_listed(api):
    create_study(api, slug="s")
    rows = rows_for(5, SYSTEMS)
    rows[3]["response"] = 5
    del rows[7]["system"]
    response = upload(api, "s", rows)
    assert response.status_code == 400
    body = response.json()
    assert body["error_count"] == 2
    assert body["errors"] == [
        {
            "row": 4,
            "field": "response",
            "reason": "must be a string, or for a dialogue study a list of turns {role, content}",
        },
        {"row": 8, "field": "system", "reason": "is required"},
    ]
    assert stored() == (0, 0)


def test_only_the_first_100_errors_are_listed_but_all_are_counted(api):
    create_study(api, slug="s")
    rows = [{"prompt_id": f"p{i}", "system": "LIMA"} for i in range(150)]
    body = upload(api, "s", rows).json()
    assert body["error_count"] == 150 and len(body["errors"]) == 100


def test_text_length_limit_is_configurable(api, settings):
    settings.LIMA_MAX_TEXT_CHARS = 50
    create_study(api, slug="s")
    rows = rows_for(1, SYSTEMS)
    rows[0]["response"] = "x" * 51
    assert upload(api, "s", rows).json()["errors"] == [
        {"row": 1, "field": "response", "reason": "has 51 characters; the limit is 50 (LIMA_MAX_TEXT_CHARS)"}
    ]


def test_rows_per_request_limit(api, settings):
    settings.LIMA_UPLOAD_MAX_ROWS = 5
    create_study(api, slug="s")
    response = upload(api, "s", rows_for(2, SYSTEMS))
    assert response.status_code == 400
    assert response.json()["errors"][0]["reason"] == "has 6 rows; the limit per request is 5 (LIMA_UPLOAD_MAX_ROWS)"


def test_file_size_limit(api, settings):
    settings.LIMA_UPLOAD_MAX_BYTES = 100
    create_study(api, slug="s")
    body = jsonl(rows_for(3, SYSTEMS))
    response = api.post(
        "/api/studies/s/outputs/", {"file": SimpleUploadedFile("a.jsonl", body.encode())}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert response.json()["errors"][0]["reason"].endswith("the limit is 100 bytes (LIMA_UPLOAD_MAX_BYTES)")
    response = api.post("/api/studies/s/outputs/", body, content_type="application/x-ndjson")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body"


def test_invalid_json_and_non_utf8_bodies_are_clear_400s(api):
    create_study(api, slug="s")
    response = api.post("/api/studies/s/outputs/", "[{", content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["reason"].startswith("invalid JSON")
    response = api.post("/api/studies/s/outputs/", b"\xff\xfe[]", content_type="application/json")
    assert response.status_code == 400 and "UTF-8" in response.json()["errors"][0]["reason"]


def test_uploads_need_a_researcher_and_their_own_study(api, client):
    create_study(api, slug="s")
    assert client.post("/api/studies/s/outputs/", "[]", content_type="application/json").status_code == 401
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.factories import ResearcherFactory, UserFactory

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ResearcherFactory()).key}")
    assert upload(other, "s", rows_for(1, SYSTEMS)).status_code == 404
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    assert upload(outsider, "s", rows_for(1, SYSTEMS)).status_code == 403
    assert stored() == (0, 0)


def test_an_upload_at_the_job_threshold_answers_202_with_a_pending_job(api, settings):
    settings.LIMA_ASYNC_UPLOAD_ROWS = 6
    create_study(api, slug="s")
    response = upload(api, "s", rows_for(2, SYSTEMS))
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "pending" and job["total_rows"] == 6 and job["processed_rows"] == 0
    assert response["Location"] == job["url"]
    assert api.get(job["url"]).json()["id"] == job["id"]
    assert stored() == (0, 0)  # the worker writes it (see test_jobs.py)
