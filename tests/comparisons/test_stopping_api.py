"""A study's stopping rules through the API: set on create or by PATCH, validated by field."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from tests.comparisons.helpers import create_study

pytestmark = pytest.mark.django_db


def test_rules_given_at_creation_are_stored_as_a_list_and_shown(api):
    study = create_study(api, slug="s1", stopping={"rule": "verdict"})
    assert study["stopping"] == [{"rule": "verdict"}]
    assert create_study(api, slug="s2")["stopping"] is None


def test_patch_sets_combined_rules_and_null_removes_them(api):
    create_study(api, slug="s1")
    rules = [{"rule": "precision", "half_width": 0.05}, {"rule": "budget", "max_votes": 600}, {"rule": "verdict"}]
    response = api.patch("/api/studies/s1/", {"stopping": rules}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["stopping"] == [
        {"rule": "verdict"},
        {"rule": "precision", "half_width": 0.05},
        {"rule": "budget", "max_votes": 600},
    ]
    assert api.patch("/api/studies/s1/", {"stopping": None}, format="json").json()["stopping"] is None


@pytest.mark.parametrize(
    "stopping, field",
    [
        ({"rule": "precision", "half_width": 2}, "stopping.half_width"),
        ([{"rule": "verdict"}, {"rule": "budget"}], "stopping[1].max_votes"),
        ({"rule": "sometime"}, "stopping.rule"),
    ],
)
def test_a_bad_rule_is_a_400_naming_the_field_and_nothing_is_stored(api, stopping, field):
    create_study(api, slug="s1", stopping={"rule": "verdict"})
    response = api.patch("/api/studies/s1/", {"stopping": stopping}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert Study.objects.get(slug="s1").stopping == [{"rule": "verdict"}]
    body = {"name": "x", "slug": "s2", "design": "focal", "focal_system": "A", "baselines": ["B"], "stopping": stopping}
    created = api.post("/api/studies/", body, format="json")
    assert created.status_code == 400 and created.json()["errors"][0]["field"] == field
    assert not Study.objects.filter(slug="s2").exists()


def test_patch_needs_the_stopping_field_and_another_researchers_study_is_not_found(api, django_user_model):
    create_study(api, slug="s1")
    response = api.patch("/api/studies/s1/", {}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "stopping"
    other = django_user_model.objects.create_user("other")
    Study.objects.filter(slug="s1").update(owner=other)
    assert api.patch("/api/studies/s1/", {"stopping": None}, format="json").status_code == 404
