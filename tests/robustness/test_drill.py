"""The fault drill's short form (issue 11): `python -m bench.drill --duration 60` runs the
compose deployment (gunicorn, workers, beat) against its own database and redis-server, 50
raters voting over HTTP while a worker is killed, Redis restarted and database connections
terminated, and fails on any lost, doubled or over-cap vote, rater-path 5xx or stale results.
About two minutes of wall time (set-up, 60 s of voting, the catch-up and the checks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def drill_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lima_eval")
    if not base.startswith("postgres"):
        pytest.skip("the drill needs PostgreSQL")
    return base.rsplit("?", 1)[0] + "_drill_run"


def test_the_short_drill_holds_every_vote_through_the_faults(tmp_path):
    report_path = tmp_path / "drill.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.drill", "--duration", "60", "--json", str(report_path)],
        cwd=ROOT,
        env={**os.environ, "DRILL_DATABASE_URL": drill_database_url()},
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert report_path.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(report_path.read_text())
    summary = result.stdout[-2500:]
    # the faults were injected, and the supervisor restarted the killed worker
    assert [f["fault"] for f in report["faults"]] == ["kill -9 worker", "restart redis", "terminate db connections"]
    assert report["faults"][2]["terminated"] > 0, summary
    assert report["restarts"]["worker"] >= 1, summary
    # raters really voted through them
    assert report["raters_entered"] >= 50 and report["votes_accepted"] >= 100, summary
    assert report["votes_in_db"] >= report["votes_accepted"], summary
    # what held
    assert report["lost"] == 0 and report["doubled"] == 0 and report["over_cap"] == 0, summary
    assert report["two_live_leases"] == 0, summary
    assert report["rater_5xx_by_route"] == {} and report["rater_failed_requests"] == {}, summary
    assert report["results_caught_up"] and report["snapshot_votes"] == report["db_counted_votes"], summary
    assert report["failures"] == [] and result.returncode == 0, summary
