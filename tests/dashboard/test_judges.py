"""The study page's judge part: agreement per category, PPI++ beside the bootstrap, biases, results
per category and the budget planner; the results CSV with PPI columns and a row per category."""

from __future__ import annotations

import csv
import io

import pytest

from results.services import results_refresh
from tests.dashboard.helpers import study_with_judge

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher_client(client, researcher):
    client.force_login(researcher)
    return client


def test_the_page_shows_judge_agreement_ppi_biases_and_categories_from_the_results(researcher_client, researcher, api):
    study = study_with_judge(researcher)
    results_refresh(study_id=study.pk)
    page = researcher_client.get("/dashboard/s/judged/").content.decode()
    results = api.get("/api/studies/judged/results/").json()
    judge = results["judges"][0]
    assert "LLM judges against the humans" in page
    strict = judge["orders"]["strict_both_orders"]
    assert f'{strict["estimate"]:.2f} <span class="meta">({strict["low"]:.2f} – {strict["high"]:.2f})</span>' in page
    for category in judge["by_category"]:
        assert f'<th scope="col">{category}</th>' in page
    ppi = results["pairs"][0]["intervals"]["ppi"]["win_share"]
    assert f"{100 * ppi['low']:.0f}% – {100 * ppi['high']:.0f}%" in page
    assert page.count('class="chart small"') == 2  # small multiples: one per category
    assert "Position consistency under swap" in page and "position: decided votes for the response shown first" in page


def test_the_budget_planner_answers_on_the_page_and_refuses_bad_input(researcher_client, researcher):
    study_with_judge(researcher)
    page = researcher_client.get(
        "/dashboard/s/judged/?half_width=0.05&price_per_human_vote=0.4&price_per_judge_call=0.01"
    ).content.decode()
    assert 'id="budget-table"' in page and "LIMA vs GPT-4" in page
    bad = researcher_client.get("/dashboard/s/judged/?half_width=-1&price_per_human_vote=0.4").content.decode()
    assert 'id="budget-table"' not in bad and "Ensure this value is greater than or equal to 0.001" in bad


def test_results_csv_has_ppi_columns_and_a_row_per_category_and_pair(researcher_client, researcher, api):
    study_with_judge(researcher)
    plain = list(csv.DictReader(io.StringIO(researcher_client.get("/dashboard/s/judged/results.csv").content.decode())))
    results = api.get("/api/studies/judged/results/").json()
    assert [float(r["ppi_win_share_low"]) for r in plain] == pytest.approx(
        [p["intervals"]["ppi"]["win_share"]["low"] for p in results["pairs"]]
    )
    rows = list(
        csv.DictReader(
            io.StringIO(researcher_client.get("/dashboard/s/judged/results.csv?by=category").content.decode())
        )
    )
    breakdown = api.get("/api/studies/judged/results/?by=category").json()["breakdown"]
    expected = [(g["value"], p["systems"][1], p["counts"]["n"]) for g in breakdown["groups"] for p in g["pairs"]]
    assert [(r["category"], r["baseline"], int(r["n"])) for r in rows] == expected and len(rows) == 4
    assert researcher_client.get("/dashboard/s/judged/results.csv?by=metadata.a b").status_code == 400


def test_while_results_refresh_the_page_serves_the_last_breakdown_instead_of_computing_one(
    researcher_client, researcher
):
    from raters.services.vote_import import votes_import
    from raters.vote_rows import validate_vote_rows
    from results.models import ResultSnapshot

    study = study_with_judge(researcher)
    results_refresh(study_id=study.pk)
    researcher_client.get("/dashboard/s/judged/")
    breakdown = ResultSnapshot.objects.get(study=study, key__startswith="by=category")
    rows, _ = validate_vote_rows(
        [
            (
                1,
                {
                    "prompt_id": "p39",
                    "left_system": "LIMA",
                    "right_system": "GPT-4",
                    "choice": "left",
                    "rater": "late",
                    "rater_group": "crowd",
                },
            )
        ]
    )
    votes_import(study=study, rows=rows)
    researcher_client.get("/dashboard/s/judged/")  # default results stale: the last breakdown is shown
    assert ResultSnapshot.objects.get(pk=breakdown.pk).votes_version == breakdown.votes_version
    results_refresh(study_id=study.pk)
    researcher_client.get("/dashboard/s/judged/")
    assert ResultSnapshot.objects.get(pk=breakdown.pk).votes_version != breakdown.votes_version
