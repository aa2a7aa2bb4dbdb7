"""The dashboard reads snapshots only (issue 13): no view runs a query on the votes table, a
bounded number of queries whatever the votes, and what it shows from the digest (results.digest)
equals the definitions it replaces, counted from the votes through the ORM."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from raters.models import GoldPair, Rater, Vote
from raters.selectors import stats_by_rater, votes_filling_slots
from raters.services.entry import rater_settings_get
from results.models import ResultSnapshot
from results.services import results_refresh_stale
from tests.dashboard.helpers import study_with_judge, study_with_votes

pytestmark = pytest.mark.django_db
PAGES = ["/dashboard/s/{slug}/", "/dashboard/s/{slug}/progress/", "/dashboard/", "/dashboard/s/{slug}/figure1.svg"]


@pytest.fixture
def researcher_client(client, researcher):
    client.force_login(researcher)
    return client


def no_vote_scans(client, slug: str, max_queries: int = 40) -> list[str]:
    seen = []
    for page in PAGES:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(page.format(slug=slug))
        assert response.status_code == 200, page
        sql = [q["sql"] for q in ctx.captured_queries]
        assert not [q for q in sql if "raters_vote" in q], page
        assert len(sql) <= max_queries, (page, len(sql))
        seen.append(response.content.decode(errors="replace"))
    return seen


def with_gold_and_an_exclusion(study) -> None:
    gold = study.comparisons.order_by("id").first()
    GoldPair.objects.create(comparison=gold, expected_winner=gold.left_response.system)
    Vote.objects.filter(comparison=gold).update(is_gold=True)
    Rater.objects.filter(pk=Vote.objects.filter(comparison__study=study).values("rater")[:1]).update(excluded=True)
    assert results_refresh_stale() == [study.pk]


def test_study_pages_run_no_query_on_the_votes(researcher_client, researcher):
    study = study_with_votes(researcher)
    with_gold_and_an_exclusion(study)
    detail, panel, listing, _svg = no_vote_scans(researcher_client, study.slug)
    assert "updating" not in panel and "Votes " in panel and "demo" in listing
    for rater in Rater.objects.filter(study=study):
        assert rater.external_id in detail


def test_judged_study_pages_run_no_query_on_the_votes(researcher_client, researcher):
    study = study_with_judge(researcher)
    assert ResultSnapshot.objects.filter(study=study, key__startswith="by=category").exists()  # stored by the refresh
    detail, *_ = no_vote_scans(researcher_client, study.slug)
    assert "judge" in detail


def test_the_digest_equals_the_counts_it_replaces(researcher):
    from dashboard.selectors import rater_rows, study_progress, study_snapshots

    study = study_with_votes(researcher)
    with_gold_and_an_exclusion(study)
    progress = study_progress(study)
    names = dict(study.systems.values_list("id", "name"))
    filling = votes_filling_slots().filter(comparison__study=study)
    for p in progress["pairs"]:
        ids = sorted(k for k, v in names.items() if v in p["systems"])
        key = f"{ids[0]}:{ids[1]}"
        assert p["votes"] == filling.filter(comparison__pair_key=key).count()
        assert p["comparisons"] == study.comparisons.filter(pair_key=key, gold__isnull=True).count()
    gold = Vote.objects.filter(comparison__study=study, is_gold=True, comparison__gold__isnull=False)
    assert progress["gold_votes"] == gold.count() > 0
    right = sum(v.winner_id == v.comparison.gold.expected_winner_id for v in gold.select_related("comparison__gold"))
    assert progress["gold_accuracy"] == right / gold.count()
    assert progress["simulated_votes"] == Vote.objects.filter(comparison__study=study, simulated=True).count()
    _results, digest, stale = study_snapshots(study)
    assert not stale
    expected = stats_by_rater(study, rater_settings_get(study=study))  # the old per-vote definition
    rows = rater_rows(study, digest)
    assert len(rows) == Rater.objects.filter(study=study).count()
    for row in rows:
        assert row["stats"] == expected.get(row["rater"].pk)


def test_a_first_view_computes_nothing_and_says_the_results_are_updating(researcher_client, researcher):
    study = study_with_votes(researcher)
    ResultSnapshot.objects.filter(study=study).delete()
    detail, panel, _listing, svg = (
        researcher_client.get(page.format(slug=study.slug)) for page in PAGES
    )  # fmt: skip
    assert detail.status_code == 200 and "updating" in panel.content.decode()
    assert svg.status_code == 404  # no results yet: no chart
    assert not ResultSnapshot.objects.filter(study=study).exists()  # nothing computed in a request


def test_a_rating_studys_digest_counts_grades_on_gold_items_as_the_votes_do(api):
    """The digest reads each vote's grade from the packed codes of the columns
    (results.loading.VOTE_COLUMNS): a rating item marked gold with an expected grade is right
    for a rater who gave that grade and wrong for one who did not, as raters.selectors counts it."""
    import json

    from comparisons.models import Study
    from dashboard.selectors import rater_rows, study_snapshots
    from raters.services.quality import gold_set
    from results.services import results_refresh
    from tests.results.test_ratings_api import rating_rows

    body = {"name": "Graded", "slug": "g", "design": "rating", "systems": ["LIMA", "Alpaca"], "votes_per_comparison": 3}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    assert api.post("/api/studies/g/outputs/", rating_rows(6), format="json").status_code == 201
    assert api.post("/api/studies/g/open/").status_code == 200
    study = Study.objects.get(slug="g")
    grades = {"r0": [2, 2, 1, 0, 2, 1], "r1": [0, 1, 1, 2, 0, 1], "r2": [1, 0, 2, 2, 1, 0]}
    rows = [
        {"prompt_id": f"p{i}", "system": "LIMA", "grade": g, "rater": rater}
        for rater, given in grades.items()
        for i, g in enumerate(given)
    ]
    response = api.post("/api/studies/g/votes/import/", json.dumps(rows), content_type="application/json")
    assert response.status_code == 201, response.json()
    items = study.comparisons.filter(left_response__system__name="LIMA").order_by("prompt__external_id")
    gold_set(comparison=items[0], expected="2")  # r0 right, r1 and r2 wrong
    gold_set(comparison=items[3], expected="0", kind=GoldPair.Kind.ATTENTION)  # r0 right, r1 and r2 fail
    results_refresh(study_id=study.pk)
    _results, digest, stale = study_snapshots(study)
    assert not stale
    expected = stats_by_rater(study, rater_settings_get(study=study))  # the old per-vote definition
    rows_by_rater = {row["rater"].external_id: row["stats"] for row in rater_rows(study, digest)}
    for rater in Rater.objects.filter(study=study):
        assert rows_by_rater[rater.external_id] == expected.get(rater.pk)
    # the grades decide: r0 gave both expected grades
    assert [rows_by_rater[r].gold_correct for r in ("r0", "r1", "r2")] == [2, 0, 0]
