"""One meaning of "a vote that counts", whoever wrote the vote (issue 18's split bugs):
imported and simulated votes on a gold pair never count, judges never fill human slots, and
excluding a rater from the dashboard behaves as through the API."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from comparisons.services.queue import comparisons_build
from demo.simulate import votes_simulate
from raters.models import Rater, Vote
from results.services import results_refresh
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.results.test_api import import_votes, lima_votes, pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(api):
    create_study(api, slug="g", baselines=["GPT-4"])
    upload(api, "g", rows_for(10, ["LIMA", "GPT-4"]))
    api.post("/api/studies/g/open/")
    study = Study.objects.get(slug="g")
    comparisons_build(study_id=study.pk)  # the build task's body (no worker in these tests)
    return study


def mark_gold(api, prompt_id: str = "p0") -> None:
    response = api.post(
        "/api/studies/g/gold/",
        {"prompt_id": prompt_id, "systems": ["LIMA", "GPT-4"], "expected": "LIMA"},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_imported_votes_on_a_gold_pair_are_gold_votes_and_never_counted(api, study):
    mark_gold(api, "p0")
    assert import_votes(api, lima_votes(6, 2, 2), slug="g").status_code == 201  # p0..p9, one of them gold
    gold_vote = Vote.objects.get(comparison__prompt__external_id="p0")
    assert gold_vote.is_gold and gold_vote.imported and not gold_vote.simulated
    results = api.get("/api/studies/g/results/").json()
    assert pair(results, "GPT-4")["counts"]["n"] == 9
    assert results["n_votes"] == 9


def test_simulated_votes_leave_gold_pairs_alone_and_all_count(api, study):
    mark_gold(api, "p3")
    added = votes_simulate(study=study, shares={"GPT-4": (1, 1, 1)}, judge_shares={}, raters=3)
    assert added > 0 and not Vote.objects.filter(comparison__prompt__external_id="p3").exists()
    assert all(v.simulated and not v.imported for v in Vote.objects.filter(comparison__study=study))
    snapshot = results_refresh(study_id=study.pk)
    assert snapshot is not None and snapshot.n_votes == added


def test_votes_on_a_pair_marked_gold_afterwards_stop_counting(api, study):
    assert import_votes(api, lima_votes(6, 2, 2), slug="g").status_code == 201
    assert api.get("/api/studies/g/results/").json()["n_votes"] == 10
    mark_gold(api, "p1")
    assert results_refresh(study_id=study.pk).n_votes == 9


def test_dashboard_progress_leaves_judge_votes_out(client, api, study):
    from dashboard.selectors import studies_votes_wanted, study_progress

    judge_rows = [dict(r, rater_group="judge") for r in lima_votes(5, 0, 0, rater="gpt4-judge")]
    assert import_votes(api, judge_rows + lima_votes(2, 0, 0, rater="human"), slug="g").status_code == 201
    assert Rater.objects.get(external_id="gpt4-judge").group == Rater.JUDGE_GROUP
    results_refresh(study_id=study.pk)  # the dashboard reads what the refresh counted
    progress = study_progress(study)
    assert progress["votes"] == 2
    assert studies_votes_wanted([study])[study.pk] == (2, progress["wanted"])


def test_excluding_a_rater_from_the_dashboard_refreshes_results_as_the_api_does(api, study):
    from django.test import Client

    from results.services import results_refresh_stale

    assert (
        import_votes(
            api,
            lima_votes(4, 0, 0, rater="a") + lima_votes(0, 0, 4, rater="b") + lima_votes(0, 4, 0, rater="c"),
            slug="g",
        ).status_code
        == 201
    )
    assert api.get("/api/studies/g/results/").json()["n_votes"] == 12
    browser = Client()
    browser.force_login(api.user)
    seen = []
    for path in (
        f"/dashboard/s/g/raters/{Rater.objects.get(external_id='b').pk}/exclude/",
        f"/api/studies/g/raters/{Rater.objects.get(external_id='c').pk}/exclude/",
    ):
        client = browser if path.startswith("/dashboard/") else api
        assert client.post(path, {"reason": "speeding"}).status_code in (200, 302)
        # Neither path recomputes inside the request: the results are served stale until the
        # results sweep (beat in production) has run.
        stale = api.get("/api/studies/g/results/").json()
        assert stale["stale"] is True
        assert results_refresh_stale() == [study.pk]
        fresh = api.get("/api/studies/g/results/").json()
        seen.append((stale["n_votes"], fresh["n_votes"], fresh["stale"]))
    assert seen == [(12, 8, False), (8, 4, False)]
