"""Faults the drill (bench/drill.py) found, each pinned by a test at the moment it struck."""

from __future__ import annotations

import pytest
from django.db import connection

from raters import sql
from raters.models import Assignment, Vote
from tests.robustness.helpers import first_pair_token, terminate_this_connection


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["vote_insert", "lease_insert"])
def test_a_vote_whose_connection_is_terminated_inside_its_transaction_is_retried_and_recorded_once(
    client, settings, monkeypatch, moment
):
    """The drill's first finding: pg_terminate_backend while a vote's transaction runs (after
    the vote's INSERT, before the lease's UPDATE; or at the INSERT) was a 500 on the rater path.
    The vote's transaction now also hands out the next pair (raters.services.cycle): struck at
    the vote's INSERT (which marks the lease), or after it, at the next lease's INSERT."""
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    token = first_pair_token(client)
    original = getattr(sql, moment)
    struck = []

    def strike(*args, **kwargs):
        if not struck:
            struck.append(moment)
            terminate_this_connection()
        return original(*args, **kwargs)

    monkeypatch.setattr(sql, moment, strike)
    response = client.post("/r/blind/vote/", {"token": token, "choice": "tie"})
    # Retried: the rater gets the next pair's form (the POST answers with it), not a 500 page.
    assert struck and response.status_code == 200 and 'name="token"' in response.content.decode()
    assert token not in response.content.decode()
    assert Vote.objects.filter(rater__external_id="P1").count() == 1
    assert Assignment.objects.get(token=token).state == Assignment.State.VOTED


def test_only_errors_that_lose_the_connection_are_retried():
    import sqlite3

    import psycopg.errors as pe
    from django.db import OperationalError

    from raters.db_retry import connection_lost

    def wrapped(cause: Exception) -> OperationalError:
        exc = OperationalError(str(cause))
        exc.__cause__ = cause
        return exc

    assert connection_lost(wrapped(pe.AdminShutdown()))  # pg_terminate_backend
    assert connection_lost(wrapped(pe.ConnectionFailure()))  # class 08
    assert connection_lost(wrapped(pe.OperationalError("consuming input failed: server closed the connection")))
    assert not connection_lost(wrapped(pe.QueryCanceled()))  # a statement timeout: the query's own failure
    assert not connection_lost(wrapped(pe.LockNotAvailable()))
    assert not connection_lost(wrapped(pe.SerializationFailure()))
    # SQLite's errors (a syntax error is its OperationalError) are the query's own: no retry
    assert not connection_lost(wrapped(sqlite3.OperationalError('near "OFFSET": syntax error')))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("step", ["rater_enter_prolific", "rater_consent"])
def test_entry_and_consent_whose_connection_is_terminated_are_retried(client, settings, monkeypatch, step):
    """Entry and consent (50 raters arriving while connections are terminated) retry too."""
    from raters import services
    from raters.models import Rater
    from tests.raters.conftest import open_study

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    open_study(slug="blind")
    original = getattr(services, step)
    struck = []

    def strike(*args, **kwargs):
        if not struck:
            struck.append(step)
            terminate_this_connection()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, step, strike)
    entered = client.get("/r/blind/?PROLIFIC_PID=P1")
    assert entered.status_code == 302
    consented = client.post("/r/blind/instructions/", {"consent": "yes"})
    assert struck and consented.status_code == 302 and consented["Location"].endswith("/vote/")
    rater = Rater.objects.get(external_id="P1")
    assert rater.consented_at is not None


def test_sending_a_task_while_redis_is_down_fails_within_seconds_not_twenty():
    """Opening a study or uploading while Redis was down held the request ~20 s: sending a task
    subscribes to its result, and the result backend retried 20 times a second apart."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import django, time; django.setup()\n"
        "from comparisons import tasks\n"
        "t = time.monotonic()\n"
        "try:\n    tasks.build_comparisons.delay(1)\nexcept Exception:\n    pass\n"
        "print(round(time.monotonic() - t, 2))\n"
    )
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0", "DJANGO_SETTINGS_MODULE": "lima_eval.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    seconds = float(result.stdout.strip().splitlines()[-1])
    assert seconds < 5, (seconds, result.stderr[-500:])


@pytest.mark.django_db
def test_coverage_is_vacuumed_after_a_thousand_updates_not_a_fifth_of_the_table():
    """bench/pg_votes.py's finding: dead index entries at the head of the candidate scan."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'raters_coverage'")
        options = set(cursor.fetchone()[0] or [])
    assert {"autovacuum_vacuum_scale_factor=0.0", "autovacuum_vacuum_threshold=1000"} <= options
