"""The study page while open: anytime-valid intervals by default, and when and why pairs settled."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from results.services import results_refresh
from tests.dashboard.helpers import study_with_votes

pytestmark = pytest.mark.django_db


def test_an_open_study_shows_sequential_intervals_and_why_each_pair_settled(client, researcher):
    study = study_with_votes(researcher, prompts=30)
    Study.objects.filter(pk=study.pk).update(stopping=[{"rule": "budget", "max_votes": 30}])
    results_refresh(study_id=study.pk)
    client.force_login(researcher)
    page = client.get("/dashboard/s/demo/").content.decode()
    assert "intervals: anytime-valid (betting confidence sequence)" in page
    assert page.count("it reached its vote budget") == 2 and "Settled " in page
    Study.objects.filter(pk=study.pk).update(status=Study.Status.CLOSED)
    closed = client.get("/dashboard/s/demo/").content.decode()
    assert "intervals: bootstrap" in closed and "it reached its vote budget" in closed
