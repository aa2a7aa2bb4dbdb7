"""The dashboard of a rating study: LIMA's Figure 3 chart with intervals and the grade table."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from dashboard import charts
from demo.ratings import SLUG_DIALOGUE, SLUG_RATING, ratings_demo_load
from results.models import ResultSnapshot
from results.services import results_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(researcher):
    ratings_demo_load(owner=researcher, seed=0)
    for slug in (SLUG_RATING, SLUG_DIALOGUE):
        results_refresh(study_id=Study.objects.get(slug=slug).pk)
    return researcher


def test_the_rating_study_page_shows_the_grade_chart_and_table(client, demo):
    client.force_login(demo)
    page = client.get(f"/dashboard/s/{SLUG_RATING}/").content.decode()
    assert 'id="ratings-table"' in page and "Excellent" in page and "50%" in page and "38%" in page
    assert f"/dashboard/s/{SLUG_RATING}/figure1.svg" in page
    response = client.get(f"/dashboard/s/{SLUG_RATING}/figure1.svg")
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg")
    svg = response.content.decode()
    assert "50%" in svg and "38%" in svg and "12%" in svg and "simulated" in svg.lower()
    assert client.get(f"/dashboard/s/{SLUG_RATING}/figure1.png").status_code == 200


def test_the_grade_chart_draws_each_share_and_the_simulated_note(client, demo):
    client.force_login(demo)
    for slug, expected in ((SLUG_RATING, ("50%", "38%", "12%")), (SLUG_DIALOGUE, ("45%", "19%", "36%", "76%"))):
        data = ResultSnapshot.objects.get(study__slug=slug, key="default").data
        svg = charts.ratings_chart(data["ratings"], note="Simulated votes ($x$)").decode()
        for share in expected:
            assert share in svg, (slug, share)
        assert "Simulated votes ($x$)" in svg  # mathtext off: a dollar sign is drawn as typed
