"""Linking a study to a Prolific study: the study URL and the completion code are checked,
fixed on Prolific or refused with a message naming both values."""

from __future__ import annotations

import pytest

from comparisons.errors import Conflict, InvalidInput
from prolific.models import Action, ProlificLink
from prolific.services import link_set, study_url
from raters.models import StudyRaterSettings
from tests.prolific.conftest import TOKEN
from tests.prolific.fake_prolific import Fail
from tests.prolific.helpers import CODE, RATER_URL, fast_client
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db
URL = RATER_URL.format(slug="pro")


@pytest.fixture
def study():
    return open_study(2, slug="pro", completion_code=CODE)


def test_a_matching_study_is_linked_as_is_and_prolifics_redirect_is_set(fake, study):
    fake.add_study("PS1", url=study_url(URL), code=CODE)
    link = link_set(study=study, prolific_study_id="PS1", rater_url=URL, client=fast_client())
    assert link.url_check == ProlificLink.Check.OK and not fake.calls("PATCH", "/studies/")
    assert (
        StudyRaterSettings.objects.get(study=study).prolific_completion_url
        == "https://app.prolific.com/submissions/complete"
    )
    assert (
        study_url(URL) == URL + "?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}"
    )


def test_a_wrong_url_and_code_are_fixed_on_prolific_and_recorded(fake, study):
    fake.add_study("PS1", url="https://lima.example/r/other/?PROLIFIC_PID={{%PROLIFIC_PID%}}", code="WRONG")
    link = link_set(study=study, prolific_study_id="PS1", rater_url=URL, client=fast_client(), by="alice")
    assert link.url_check == ProlificLink.Check.FIXED
    assert fake.studies["PS1"]["external_study_url"] == study_url(URL)
    assert {c["code"] for c in fake.studies["PS1"]["completion_codes"]} == {CODE}
    assert Action.objects.get(link=link, kind=Action.Kind.FIX).by == "alice"


def test_without_fix_a_wrong_code_is_refused_with_both_values_and_nothing_stored(fake, study):
    fake.add_study("PS1", url=study_url(URL), code="WRONG")
    with pytest.raises(Conflict) as info:
        link_set(study=study, prolific_study_id="PS1", rater_url=URL, fix=False, client=fast_client())
    assert CODE in info.value.detail and "completion code" in info.value.detail
    assert not ProlificLink.objects.exists() and not fake.calls("PATCH", "/studies/")


def test_a_fix_prolific_refuses_is_refused_with_prolifics_message(fake, study):
    fake.add_study("PS1", url="https://elsewhere.example/", code=CODE)
    fake.fail(Fail("PATCH", "/studies/PS1/", status=400, message="Cannot edit the URL of a published study."))
    with pytest.raises(Conflict) as info:
        link_set(study=study, prolific_study_id="PS1", rater_url=URL, client=fast_client())
    assert "Cannot edit the URL of a published study." in info.value.detail and "elsewhere.example" in info.value.detail
    assert not ProlificLink.objects.exists()


def test_an_unknown_prolific_study_is_a_400_naming_study_id(fake, study):
    with pytest.raises(InvalidInput) as info:
        link_set(study=study, prolific_study_id="NOPE", rater_url=URL, client=fast_client())
    assert info.value.errors[0].field == "study_id"


def test_the_api_links_shows_and_never_returns_the_token(fake, api):
    study = open_study(2, slug="pro", completion_code=CODE)
    study.owner = api.user
    study.save()
    fake.add_study("PS1", url=study_url("http://testserver/r/pro/"), code=CODE)
    put = api.put("/api/studies/pro/prolific/", {"study_id": "PS1", "bonus_per_vote": "0.05"}, format="json")
    assert put.status_code == 200, put.content
    body = api.get("/api/studies/pro/prolific/").json()
    assert body["prolific_study_id"] == "PS1" and body["policies"]["bonus_per_vote"] == "0.05"
    assert body["policies"]["auto_approve"] is True and body["policies"]["count_returned_votes"] is False
    assert body["study_url"].startswith("http://testserver/r/pro/?PROLIFIC_PID=")
    assert TOKEN not in put.content.decode() + api.get("/api/studies/pro/prolific/").content.decode()


def test_the_api_refuses_a_bad_study_id_and_another_researchers_study(fake, api):
    study = open_study(2, slug="pro", completion_code=CODE)
    bad = api.put("/api/studies/pro/prolific/", {"study_id": "a/b"}, format="json")
    assert bad.status_code == 404  # not this researcher's study
    study.owner = api.user
    study.save()
    bad = api.put("/api/studies/pro/prolific/", {"study_id": "a/b", "bonus_per_vote": "-1"}, format="json")
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"study_id", "bonus_per_vote"}
    assert api.get("/api/studies/pro/prolific/").status_code == 404
