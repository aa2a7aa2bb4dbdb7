"""Results are refreshed by a debounced task in a real worker when votes arrive."""

from __future__ import annotations

import json

import pytest

from comparisons.models import ResultSnapshot
from lima_eval.celery import app
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.comparisons.test_results_api import lima_votes
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker", "transactional_db")]


def scheduled_refreshes() -> int:
    scheduled = app.control.inspect(timeout=1).scheduled() or {}
    return sum(1 for tasks in scheduled.values() for t in tasks if t["request"]["name"] == "comparisons.refresh_results")


def test_votes_arriving_queue_one_debounced_refresh_that_updates_the_results(api, settings):
    settings.LIMA_RESULTS_DEBOUNCE_SECONDS = 3
    create_study(api, slug="r")
    upload(api, "r", rows_for(20, ["LIMA", "GPT-4"]))
    api.post("/api/studies/r/open/")
    post = lambda rows: api.post("/api/studies/r/votes/import/", json.dumps(rows), content_type="application/json")  # noqa: E731
    assert post(lima_votes(4, 1, 1)).status_code == 201
    wait_for(lambda: ResultSnapshot.objects.filter(study__slug="r", key="default", n_votes=6).exists(), timeout=30,
             what="the first refresh")
    assert post(lima_votes(1, 0, 0, rater="b")).status_code == 201
    assert post(lima_votes(0, 0, 1, rater="c")).status_code == 201
    assert scheduled_refreshes() == 1
    stale = api.get("/api/studies/r/results/").json()
    assert stale["stale"] is True and stale["n_votes"] == 6
    wait_for(lambda: ResultSnapshot.objects.filter(study__slug="r", key="default", n_votes=8).exists(), timeout=30,
             what="the debounced refresh")
    fresh = api.get("/api/studies/r/results/").json()
    assert fresh["stale"] is False and fresh["pairs"][0]["counts"]["n"] == 8
