"""Issue 11's bad-input corpus (tests/robustness/corpus.py): each case is a 4xx in the API's
one error shape naming the field, and nothing is stored."""

from __future__ import annotations

import pytest

from comparisons.models import Prompt, Response, Study, System
from raters.models import Rater, Vote
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.robustness.corpus import API_QUERIES, PAGE_QUERIES, STUDY_BODIES, UPLOAD_BODIES, UPLOAD_LINES, VOTE_BODIES

pytestmark = pytest.mark.django_db


def stored() -> tuple[int, ...]:
    return (
        Study.objects.count(),
        System.objects.count(),
        Prompt.objects.count(),
        Response.objects.count(),
        Rater.objects.count(),
        Vote.objects.count(),
    )


def fields_of(response) -> list[str]:
    body = response.json()
    assert set(body) >= {"detail", "errors"}, body
    return [error["field"] for error in body["errors"]]


@pytest.mark.parametrize(("case", "body", "field"), UPLOAD_BODIES, ids=[c[0] for c in UPLOAD_BODIES])
def test_a_bad_upload_is_a_400_naming_the_field_and_stores_nothing(api, case, body, field):
    create_study(api, slug="s")
    before = stored()
    response = api.post("/api/studies/s/outputs/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert field in fields_of(response)
    assert stored() == before


@pytest.mark.parametrize(("case", "body", "field", "row"), UPLOAD_LINES, ids=[c[0] for c in UPLOAD_LINES])
def test_a_bad_json_line_is_a_400_naming_its_row_and_stores_nothing(api, case, body, field, row):
    create_study(api, slug="s")
    before = stored()
    response = api.post("/api/studies/s/outputs/", body, content_type="application/x-ndjson")
    assert response.status_code == 400, response.content[:300]
    assert {"row": row, "field": field} in [{"row": e["row"], "field": e["field"]} for e in response.json()["errors"]]
    assert stored() == before


@pytest.mark.parametrize(("case", "body", "field"), VOTE_BODIES, ids=[c[0] for c in VOTE_BODIES])
def test_a_bad_vote_import_is_a_400_naming_the_field_and_stores_nothing(api, case, body, field):
    create_study(api, slug="s", baselines=["GPT-4"])
    assert upload(api, "s", rows_for(1, ["LIMA", "GPT-4"])).status_code == 201
    assert api.post("/api/studies/s/open/").status_code == 200
    before = stored()
    response = api.post("/api/studies/s/votes/import/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert field in fields_of(response)
    assert stored() == before
    assert api.get("/api/studies/s/raters/").status_code == 200


@pytest.mark.parametrize(("case", "body", "field"), STUDY_BODIES, ids=[c[0] for c in STUDY_BODIES])
def test_a_bad_json_api_body_is_a_400_naming_the_field_and_stores_nothing(api, case, body, field):
    before = stored()
    response = api.post("/api/studies/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert field in fields_of(response)
    assert stored() == before


def test_a_form_or_multipart_body_to_a_json_endpoint_is_refused_whole(api):
    before = stored()
    form = api.post(
        "/api/studies/",
        {"name": "s", "design": "focal", "focal_system": "LIMA", "baselines": ["GPT-4"]},
        format="multipart",
    )
    assert form.status_code == 415 and "detail" in form.json()
    assert stored() == before


@pytest.mark.parametrize(("case", "url", "field"), API_QUERIES, ids=[c[0] for c in API_QUERIES])
def test_a_bad_query_value_is_a_400_naming_the_parameter(api, case, url, field):
    from tests.factories import JudgeFactory

    create_study(api, slug="s")
    JudgeFactory(study=Study.objects.get(slug="s"), name="j")
    response = api.get(url)
    assert response.status_code == 400, response.content[:300]
    assert field in fields_of(response)


def test_a_large_limit_is_capped_not_a_server_error(api):
    create_study(api, slug="s")
    response = api.get("/api/studies/?limit=5000")
    assert response.status_code == 200 and response.json()["count"] == 1


@pytest.mark.parametrize(("case", "url", "field"), PAGE_QUERIES, ids=[c[0] for c in PAGE_QUERIES])
def test_a_bad_query_value_on_a_page_is_a_400_naming_the_parameter(client, researcher, case, url, field):
    from tests.factories import StudyFactory

    StudyFactory(slug="s", owner=researcher)
    client.force_login(researcher)
    before = stored()
    response = client.get(url)
    assert response.status_code == 400
    assert f"The field {field} must not contain" in response.content.decode()
    assert stored() == before


@pytest.mark.parametrize("path", ["/api/nope/", "/api/studies/a/b/c/d/", "/api/jobs/not-a-uuid/", "/api/studies/%00/"])
def test_an_unknown_api_route_answers_the_api_error_shape(api, path):
    response = api.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["field"] == "path"
