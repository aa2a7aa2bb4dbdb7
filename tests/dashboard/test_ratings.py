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


def progress_rows(page: str) -> dict[str, list[int]]:
    """System -> [items, votes, wanted, full, open] from the progress panel's table."""
    import re

    table = page[page.index('id="progress-systems"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr data-system="([^"]+)"><td>[^<]*</td>((?:<td>\d+</td>)+)', table)
    return {name: [int(x) for x in re.findall(r"<td>(\d+)</td>", cells)] for name, cells in rows}


def test_a_rating_studys_progress_counts_items_and_votes_per_system_not_pairs(client, api):
    import json

    from tests.results.test_ratings_api import rating_rows

    body = {"name": "Graded", "slug": "g", "design": "rating", "systems": ["LIMA", "Alpaca"], "votes_per_comparison": 3}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    assert api.post("/api/studies/g/outputs/", rating_rows(25), format="json").status_code == 201
    assert api.post("/api/studies/g/open/").status_code == 200
    from comparisons.services.queue import comparisons_build

    comparisons_build(study_id=Study.objects.get(slug="g").pk)  # queued after the commit, built here now
    client.force_login(api.user)
    before = client.get("/dashboard/s/g/").content.decode()  # nothing counted yet: the items as built
    assert "50 items to grade" in before and " comparisons ·" not in before
    assert "Votes 0 of 150 wanted" in before and progress_rows(before) == {
        "LIMA": [25, 0, 75, 0, 25],
        "Alpaca": [25, 0, 75, 0, 25],
    }
    rows = [  # LIMA: every item graded three times; Alpaca: 10 items twice; a judge grades everything
        {"prompt_id": f"p{i}", "system": "LIMA", "grade": "Pass", "rater": f"r{k}"} for i in range(25) for k in range(3)
    ]
    rows += [
        {"prompt_id": f"p{i}", "system": "Alpaca", "grade": 0, "rater": f"r{k}"} for i in range(10) for k in range(2)
    ]
    rows += [
        {"prompt_id": f"p{i}", "system": s, "grade": 1, "rater": "gpt-4", "rater_group": "judge"}
        for i in range(25)
        for s in ("LIMA", "Alpaca")
    ]
    response = api.post("/api/studies/g/votes/import/", json.dumps(rows), content_type="application/json")
    assert response.status_code == 201, response.json()
    results_refresh(study_id=Study.objects.get(slug="g").pk)
    page = client.get("/dashboard/s/g/").content.decode()
    assert "Votes 95 of 150 wanted" in page  # the judge's 50 grades fill no slot
    assert "25 of 50 items full" in page and "Pair</th>" not in page
    assert progress_rows(page) == {"LIMA": [25, 75, 75, 25, 0], "Alpaca": [25, 20, 75, 0, 25]}
    panel = client.get("/dashboard/s/g/progress/").content.decode()
    assert progress_rows(panel) == progress_rows(page)
    listed = client.get("/dashboard/").content.decode()
    assert "95" in listed and "150" in listed
    assert 'id="ratings-judges"' in page  # the judge beside the humans, on the 35 items both graded
