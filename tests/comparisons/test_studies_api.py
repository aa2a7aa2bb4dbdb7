"""Creating, listing, showing, opening and closing studies through the API."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


def test_a_focal_study_is_created_as_a_draft_with_lima_defaults(api):
    body = create_study(api, name="LIMA vs baselines")
    assert body["status"] == "draft" and body["design"] == "focal"
    assert body["focal_system"] == "LIMA" and body["baselines"] == ["Bard", "GPT-4"]
    assert body["question"] == "Which response is better?"
    assert body["choices"] == {
        "a": "Response A is significantly better",
        "b": "Response B is significantly better",
        "tie": "Neither is significantly better",
    }
    assert body["votes_per_comparison"] == 3 and body["owner"] == api.user.username


def test_an_all_pairs_study_takes_systems_question_and_choices(api):
    body = create_study(
        api,
        design="all_pairs",
        focal_system=None,
        baselines=None,
        systems=["a", "b", "c"],
        question="Which is more helpful?",
        choices={"a": "Left", "b": "Right", "tie": "Same"},
        votes_per_comparison=5,
        slug="arena",
    )
    assert body["systems"] == ["a", "b", "c"] and body["baselines"] == [] and body["focal_system"] is None
    assert body["choices"] == {"a": "Left", "b": "Right", "tie": "Same"} and body["votes_per_comparison"] == 5


def test_default_slugs_are_random_words_that_never_show_the_name(api):
    import re

    slugs = [create_study(api, name="LIMA vs GPT-4")["slug"] for _ in range(3)]
    assert len(set(slugs)) == 3
    for slug in slugs:
        assert re.fullmatch(r"[a-z]+-[a-z]+-\d{2}(-\d+)?", slug) and "lima" not in slug and "gpt" not in slug


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"design": "focal", "focal_system": None}, "focal_system", "is required for a focal study"),
        ({"baselines": ["LIMA", "GPT-4"]}, "baselines", "must not contain the focal system 'LIMA'"),
        ({"systems": ["x", "y"]}, "systems", "a focal study takes focal_system and baselines, not systems"),
        (
            {"design": "all_pairs", "systems": ["x", "y"]},
            "focal_system",
            "an all_pairs study takes systems, not focal_system and baselines",
        ),
        ({"design": "round_robin"}, "design", '"round_robin" is not a valid choice.'),
        ({"votes_per_comparison": 0}, "votes_per_comparison", "Ensure this value is greater than or equal to 1."),
        ({"name": ""}, "name", "This field may not be blank."),
        (
            {"slug": "not a slug"},
            "slug",
            'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.',
        ),
        ({"choices": {"a": "A"}}, "choices.b", "This field is required."),
    ],
)
def test_bad_study_fields_are_400s_naming_the_field(api, fields, field, reason):
    body = {"name": "S", "design": "focal", "focal_system": "LIMA", "baselines": ["GPT-4"], **fields}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post("/api/studies/", body, format="json")
    assert response.status_code == 400
    assert {"row": None, "field": field, "reason": reason} in response.json()["errors"]
    assert not Study.objects.exists()


def test_a_taken_slug_is_a_400(api):
    create_study(api, slug="taken")
    response = api.post(
        "/api/studies/", {"name": "x", "slug": "taken", "design": "focal", "focal_system": "a"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": None, "field": "slug", "reason": "'taken' is already taken"}]


def test_the_list_shows_only_the_researchers_own_studies(api):
    create_study(api, slug="mine")
    StudyFactory(slug="theirs")
    body = api.get("/api/studies/").json()
    assert [s["slug"] for s in body["results"]] == ["mine"]
    assert api.get("/api/studies/theirs/").status_code == 404


def test_the_detail_counts_prompts_responses_comparisons_and_missing(api):
    create_study(api, slug="s")
    rows = rows_for(4, ["LIMA", "GPT-4", "Bard"])
    rows = [r for r in rows if not (r["prompt_id"] == "p3" and r["system"] == "Bard")]
    rows[-1]["prompt"] = rows[-2]["prompt"] = "Question 3?"
    assert upload(api, "s", rows).status_code == 201
    counts = api.get("/api/studies/s/").json()["counts"]
    assert counts == {
        "prompts": 4,
        "responses": {"Bard": 3, "GPT-4": 4, "LIMA": 4},
        "comparisons": 0,
        "comparisons_by_pair": [],
        "gold_comparisons": 0,
        "missing_responses": 1,
        "revealing_responses": 11,
    }  # each test response names its system ("LIMA answers 0.")


def test_opening_needs_outputs_and_closing_and_reopening_work(api):
    create_study(api, slug="s")
    response = api.post("/api/studies/s/open/")
    assert response.status_code == 409 and "no outputs" in response.json()["detail"]
    upload(api, "s", rows_for(2, ["LIMA", "GPT-4"]))
    opened = api.post("/api/studies/s/open/").json()
    assert opened["status"] == "open" and opened["opened_at"]
    closed = api.post("/api/studies/s/close/").json()
    assert closed["status"] == "closed" and closed["closed_at"]
    assert api.post("/api/studies/s/open/").json()["status"] == "open"


def test_anonymous_and_non_researchers_are_refused(client, db):
    from django.contrib.auth import get_user_model

    assert client.get("/api/studies/").status_code == 401
    client.force_login(get_user_model().objects.create(username="rater"))
    assert client.get("/api/studies/").status_code == 403
