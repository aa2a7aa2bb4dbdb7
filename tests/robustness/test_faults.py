"""Faults survived (issue 11): Redis down for results reads and uploads, a lost job message,
a dead worker's job, a dropped database connection under a rater's vote, and the forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from comparisons.models import UploadJob
from comparisons.services import upload_jobs_fail_stale, upload_jobs_queue_pending
from raters.models import Rater, Vote
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.factories import UploadJobFactory
from tests.robustness.helpers import first_pair_token, terminate_this_connection

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    """The cache and the broker point at a port nothing listens on."""
    from lima_eval.celery import app

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    old = (app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_max_retries)
    app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_max_retries = DEAD_REDIS, False, 0
    _new_pool(app)
    yield
    app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_max_retries = old
    _new_pool(app)


def _new_pool(app) -> None:
    """Close the app's producer pool and forget it, so the next send builds one for the current
    broker URL (a closed pool left in place fails every later send: "Acquire on closed pool")."""
    from kombu import pools

    app.pool.force_close_all()
    pools.reset()  # kombu's per-connection producer pools (they hold the closed connections)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_results_and_the_rater_path_answer_while_redis_is_down(api, client, redis_down):
    from tests.raters.conftest import open_study

    create_study(api, slug="s")
    assert upload(api, "s", rows_for(2, ["LIMA", "GPT-4", "Bard"])).status_code == 201
    assert api.get("/api/studies/s/results/").status_code == 200
    study = open_study(slug="blind", allow_anonymous=False)
    study.owner = api.user
    study.save()
    entered = client.get("/r/blind/?PROLIFIC_PID=P1", follow=True)
    assert entered.status_code == 200
    client.post("/r/blind/instructions/", {"consent": "yes"})
    page = client.get("/r/blind/vote/").content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    assert client.post("/r/blind/vote/", {"token": token, "choice": "left"}).status_code in (200, 302)  # next or done
    assert Vote.objects.filter(rater__external_id="P1").count() == 1
    assert api.get("/api/studies/blind/results/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_async_upload_while_redis_is_down_succeeds_and_its_job_waits_for_the_sweep(api, settings, redis_down):
    settings.LIMA_ASYNC_UPLOAD_ROWS = 2
    create_study(api, slug="s")
    response = upload(api, "s", rows_for(2, ["LIMA", "GPT-4", "Bard"]))
    assert response.status_code == 202, response.content[:300]
    job = UploadJob.objects.get()
    assert job.status == UploadJob.Status.PENDING
    assert upload_jobs_queue_pending(older_than_seconds=3600) == 0


@pytest.mark.django_db
def test_the_sweep_queues_only_pending_jobs_older_than_a_minute(settings):
    from lima_eval.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Eager for this test only: left on, every later test's task would run in this process
    # instead of the worker (the worker tests then time out).
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        stuck = UploadJobFactory(status=UploadJob.Status.PENDING, payload="[]", total_rows=0)
        UploadJob.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(seconds=120))
        fresh = UploadJobFactory(status=UploadJob.Status.PENDING, payload="[]", total_rows=0)
        assert upload_jobs_queue_pending() == 1
        stuck.refresh_from_db(), fresh.refresh_from_db()
        assert stuck.status != UploadJob.Status.PENDING and fresh.status == UploadJob.Status.PENDING
    finally:
        app.conf.task_always_eager = was_eager
    assert "uploads-queue-pending" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.django_db
def test_a_running_job_without_a_heartbeat_for_two_minutes_is_failed_and_one_with_a_heartbeat_is_not():
    from django.core.cache import cache

    from comparisons.services.jobs import _alive_key

    silent = UploadJobFactory(status=UploadJob.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=180))
    beating = UploadJobFactory(status=UploadJob.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=180))
    cache.set(_alive_key(beating.pk), 1, 60)
    assert upload_jobs_fail_stale() == 0  # silent once: maybe Redis restarted (test_stranded_build.py)
    assert upload_jobs_fail_stale() == 1
    silent.refresh_from_db(), beating.refresh_from_db()
    assert (silent.status, beating.status) == ("failed", "running")
    cache.delete(_alive_key(beating.pk))


@pytest.mark.django_db(transaction=True)
def test_a_vote_after_the_database_connection_was_terminated_is_recorded(client, settings):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    token = first_pair_token(client)
    terminate_this_connection()
    response = client.post("/r/blind/vote/", {"token": token, "choice": "tie"})
    assert response.status_code in (200, 302)  # the next pair, or the completion page after the last
    assert Vote.objects.filter(rater__external_id="P1").count() == 1


@pytest.mark.django_db
def test_a_nul_in_a_raters_rationale_keeps_the_vote_form_and_stores_no_vote(client):
    token = first_pair_token(client)
    for rationale in ("because\x00", "\u202eevil"):
        response = client.post("/r/blind/vote/", {"token": token, "choice": "left", "rationale": rationale})
        body = response.content.decode()
        assert (
            response.status_code == 400
            and "Your comment under “Why?” contains characters" in body
            and f'value="{token}"' in body
        )
    refused = client.post("/r/blind/vote/", {"token": "x\x00", "choice": "left"})
    assert refused.status_code == 200 and "not one we gave you" in refused.content.decode()
    assert Vote.objects.count() == 0 and Rater.objects.count() == 1


@pytest.mark.django_db
def test_a_baseline_over_100_characters_from_the_dashboard_is_a_form_error(client, researcher):
    from comparisons.models import Study

    client.force_login(researcher)
    response = client.post(
        "/dashboard/new/",
        {
            "name": "s",
            "design": "focal",
            "focal_system": "LIMA",
            "baselines": "x" * 101,
            "votes_per_comparison": 3,
            "question": "Q?",
            "choice_a": "A",
            "choice_b": "B",
            "choice_tie": "T",
        },
    )
    assert response.status_code == 200 and "a system name is at most 100 characters" in response.content.decode()
    assert Study.objects.count() == 0


def test_a_system_name_in_math_text_syntax_is_drawn_as_plain_text():
    from dashboard import charts

    pair = {
        "systems": ["LIMA", "$\\frac{$"],
        "counts": {"n": 3, "win_share": 0.5, "tie_share": 0.2, "loss_share": 0.3},
        "interval": {},
    }
    svg = charts.figure1([pair], "LIMA").decode()
    assert "$\\frac{$" in svg


@pytest.mark.django_db
def test_an_invite_for_a_name_taken_by_another_source_or_group_is_a_409(api):
    create_study(api, slug="s")
    assert api.post("/api/studies/s/invites/", {"name": "ann", "group": "expert"}).status_code in (200, 201)
    assert api.post("/api/studies/s/invites/", {"name": "ann", "group": "expert"}).status_code in (200, 201)
    taken = api.post("/api/studies/s/invites/", {"name": "ann", "group": "crowd"})
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "name"
    assert Rater.objects.get().group == "expert"
