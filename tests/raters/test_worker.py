"""The raters' beat tasks run in a real Celery worker (the docker-compose command)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from raters import rendering, services
from raters.models import Assignment, RenderedPrompt, RenderedResponse
from raters.tasks import expire_leases, render_ahead
from tests.factories import RaterFactory
from tests.raters.conftest import open_study

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker", "transactional_db")]


def test_the_worker_renders_an_open_studys_texts_and_expires_lapsed_leases():
    study = open_study(prompts=3)
    assert render_ahead.delay().get(timeout=60) == 6 + 3
    assert RenderedResponse.objects.filter(response__prompt__study=study, rules=rendering.RULES).count() == 6
    assert RenderedPrompt.objects.filter(prompt__study=study).count() == 3
    assert render_ahead.delay().get(timeout=60) == 0
    rater = RaterFactory(study=study)
    lease = services.assignment_next(rater=rater).assignment
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert expire_leases.delay().get(timeout=60) == 1
    assert Assignment.objects.get(pk=lease.pk).state == Assignment.State.EXPIRED
