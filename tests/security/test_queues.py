"""Judge and collection calls go to their own queue, so a slow endpoint never delays uploads,
builds or results (their tasks stay on the default queue). The worker tests run a real
worker on both queues (tests/conftest.py), as docker-compose.yml runs one for each."""

from __future__ import annotations

from django.conf import settings

from lima_eval.celery import app


def queue_of(task: str) -> str:
    return app.amqp.router.route({}, task)["queue"].name


def test_outbound_calls_have_their_own_queue_and_every_other_task_the_default_one():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert {"judges.run_judge_call", "judges.run_generation"} <= set(ours)
    for name in ours:
        expected = settings.LIMA_OUTBOUND_QUEUE if name.startswith("judges.") else app.conf.task_default_queue
        assert queue_of(name) == expected, name
