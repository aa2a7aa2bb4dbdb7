"""Results are refreshed by a debounced task in a real worker when votes arrive."""

from __future__ import annotations

import json

import pytest

from lima_eval.celery import app
from results.models import ResultSnapshot
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.conftest import wait_for
from tests.results.test_api import lima_votes

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker", "transactional_db")]


def scheduled_refreshes() -> int:
    scheduled = app.control.inspect(timeout=1).scheduled() or {}
    return sum(1 for tasks in scheduled.values() for t in tasks if t["request"]["name"] == "results.refresh_results")


def test_votes_arriving_queue_one_debounced_refresh_that_updates_the_results(api, settings):
    settings.LIMA_RESULTS_DEBOUNCE_SECONDS = 3
    create_study(api, slug="r")
    upload(api, "r", rows_for(20, ["LIMA", "GPT-4"]))
    api.post("/api/studies/r/open/")
    post = lambda rows: api.post("/api/studies/r/votes/import/", json.dumps(rows), content_type="application/json")  # noqa: E731
    assert post(lima_votes(4, 1, 1)).status_code == 201
    wait_for(
        lambda: ResultSnapshot.objects.filter(study__slug="r", key="default", n_votes=6).exists(),
        timeout=30,
        what="the first refresh",
    )
    assert post(lima_votes(1, 0, 0, rater="b")).status_code == 201
    assert post(lima_votes(0, 0, 1, rater="c")).status_code == 201
    assert scheduled_refreshes() == 1
    stale = api.get("/api/studies/r/results/").json()
    assert stale["stale"] is True and stale["n_votes"] == 6
    wait_for(
        lambda: ResultSnapshot.objects.filter(study__slug="r", key="default", n_votes=8).exists(),
        timeout=30,
        what="the debounced refresh",
    )
    fresh = api.get("/api/studies/r/results/").json()
    assert fresh["stale"] is False and fresh["pairs"][0]["counts"]["n"] == 8


def test_the_beat_sweep_refreshes_studies_whose_votes_changed_without_touching_the_vote_path(api, settings):
    from comparisons.models import Study
    from demo.simulate import votes_simulate
    from results.services import results_refresh
    from results.tasks import refresh_stale_results

    assert settings.CELERY_BEAT_SCHEDULE["results-refresh-stale"]["task"] == "results.refresh_stale_results"
    create_study(api, slug="sweep", baselines=["GPT-4"])
    upload(api, "sweep", rows_for(10, ["LIMA", "GPT-4"]))
    api.post("/api/studies/sweep/open/")
    study = Study.objects.get(slug="sweep")
    wait_for(lambda: study.comparisons.count() == 10, what="comparisons")
    results_refresh(study_id=study.pk)
    added = votes_simulate(
        study=study, shares={"GPT-4": (1, 1, 1)}, raters=5, fill=1.0
    )  # written like rater votes: no hook
    assert refresh_stale_results.delay().get(timeout=60) == [study.pk]
    assert ResultSnapshot.objects.get(study=study, key="default").n_votes == added
    assert refresh_stale_results.delay().get(timeout=60) == []
