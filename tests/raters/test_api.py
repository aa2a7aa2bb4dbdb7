"""The researcher API for raters: stats, exclusion, invites, settings, gold pairs."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from comparisons.models import Comparison, Study
from raters import services
from raters.models import GoldPair, Rater, StudyRaterSettings, Vote
from tests.factories import RaterFactory, ResearcherFactory, UserFactory
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(api) -> Study:
    study = open_study(prompts=6, slug="mine")
    Study.objects.filter(pk=study.pk).update(owner=api.user)
    return study


def vote_n(rater, n: int, choice: str = "left") -> None:
    for _ in range(n):
        a = services.assignment_next(rater=rater).assignment
        assert a is not None
        services.vote_submit(rater=rater, token=a.token, choice=choice)


def test_raters_are_listed_with_stats_and_flags(api, owned):
    fast = RaterFactory(study=owned, external_id="FAST")
    vote_n(fast, 5)
    RaterFactory(study=owned, external_id="IDLE")
    body = api.get("/api/studies/mine/raters/").json()
    assert [r["external_id"] for r in body] == ["FAST", "IDLE"]
    stats = body[0]["stats"]
    assert stats["votes"] == 5 and stats["left_share"] == 1.0 and stats["tie_share"] == 0.0
    assert set(stats["flags"]) == {"too_fast", "one_side"}
    assert body[1]["stats"] is None


def test_gold_accuracy_is_reported_per_rater(api, owned):
    comparison = Comparison.objects.filter(study=owned).first()
    api.patch("/api/studies/mine/rater-settings/", {"gold_rate": 1.0}, format="json")
    expected = comparison.left_response.system.name
    assert (
        api.post(
            "/api/studies/mine/gold/",
            {"prompt_id": comparison.prompt.external_id, "systems": ["LIMA", "GPT-4"], "expected": expected},
            format="json",
        ).status_code
        == 201
    )
    rater = RaterFactory(study=owned)
    a = services.assignment_next(rater=rater).assignment
    assert a.is_gold
    wrong = "right" if not a.swapped else "left"
    services.vote_submit(rater=rater, token=a.token, choice=wrong)
    stats = api.get("/api/studies/mine/raters/").json()[0]["stats"]
    assert stats["gold_votes"] == 1 and stats["gold_accuracy"] == 0.0 and "failed_checks" in stats["flags"]


def test_a_rater_is_excluded_with_a_reason_and_included_again(api, owned):
    rater = RaterFactory(study=owned)
    vote_n(rater, 2)
    response = api.post(f"/api/studies/mine/raters/{rater.pk}/exclude/", {"reason": "bot-like"}, format="json")
    assert response.status_code == 200 and response.json()["excluded"] is True
    assert response.json()["excluded_reason"] == "bot-like" and Vote.objects.filter(rater=rater).count() == 2
    assert api.post(f"/api/studies/mine/raters/{rater.pk}/include/").json()["excluded"] is False


def test_excluding_without_a_reason_is_a_400_naming_the_field(api, owned):
    rater = RaterFactory(study=owned)
    body = api.post(f"/api/studies/mine/raters/{rater.pk}/exclude/", {}, format="json").json()
    assert body["errors"] == [{"row": None, "field": "reason", "reason": "This field is required."}]
    assert not Rater.objects.get(pk=rater.pk).excluded


def test_an_invite_returns_a_working_personal_link(api, owned, client):
    response = api.post("/api/studies/mine/invites/", {"name": "dr-who", "group": "author"}, format="json")
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith("http://testserver/r/mine/i/") and response.json()["rater"]["group"] == "author"
    assert client.get(url.removeprefix("http://testserver"))["Location"] == "/r/mine/instructions/"
    bad = api.post("/api/studies/mine/invites/", {"name": "two words"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "name"


def test_rater_settings_are_read_and_changed_with_range_checks(api, owned):
    assert api.get("/api/studies/mine/rater-settings/").json()["quota"] == 20
    body = api.patch(
        "/api/studies/mine/rater-settings/",
        {"quota": 5, "allow_anonymous": True, "prolific_completion_url": "https://app.prolific.com/x"},
        format="json",
    ).json()
    assert body["quota"] == 5 and body["allow_anonymous"] is True
    assert StudyRaterSettings.objects.get(study=owned).quota == 5
    bad = api.patch("/api/studies/mine/rater-settings/", {"gold_rate": 1.5, "quota": 0}, format="json")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"gold_rate", "quota"}


def test_gold_pairs_are_listed_validated_and_removed(api, owned):
    comparison = Comparison.objects.filter(study=owned).first()
    pid = comparison.prompt.external_id
    missing = api.post(
        "/api/studies/mine/gold/", {"prompt_id": "nope", "systems": ["LIMA", "GPT-4"], "expected": "tie"}, format="json"
    )
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "prompt_id"
    wrong = api.post(
        "/api/studies/mine/gold/", {"prompt_id": pid, "systems": ["LIMA", "GPT-4"], "expected": "Bard"}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "expected"
    unknown = api.post(
        "/api/studies/mine/gold/", {"prompt_id": pid, "systems": ["LIMA", "Bard"], "expected": "tie"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "systems"
    made = api.post(
        "/api/studies/mine/gold/",
        {"prompt_id": pid, "systems": ["GPT-4", "LIMA"], "expected": "tie", "kind": "attention"},
        format="json",
    ).json()
    assert made == {
        **made,
        "comparison": comparison.pk,
        "prompt_id": pid,
        "systems": ["GPT-4", "LIMA"],
        "expected": "tie",
        "kind": "attention",
    }
    assert len(api.get("/api/studies/mine/gold/").json()) == 1
    assert api.delete(f"/api/studies/mine/gold/{comparison.pk}/").status_code == 204
    assert not GoldPair.objects.exists()


def test_only_the_owner_researcher_sees_a_studys_raters(api, owned, client):
    assert client.get("/api/studies/mine/raters/").status_code == 401
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ResearcherFactory()).key}")
    rater = RaterFactory(study=owned)
    assert other.get("/api/studies/mine/raters/").status_code == 404
    assert (
        other.post(f"/api/studies/mine/raters/{rater.pk}/exclude/", {"reason": "x"}, format="json").status_code == 404
    )
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    assert outsider.get("/api/studies/mine/raters/").status_code == 403
    assert not Rater.objects.get(pk=rater.pk).excluded


def test_a_rater_of_another_study_cannot_be_excluded_through_this_one(api, owned):
    stranger = RaterFactory()
    assert (
        api.post(f"/api/studies/mine/raters/{stranger.pk}/exclude/", {"reason": "x"}, format="json").status_code == 404
    )
