"""The dashboard shows "both are bad" as a fourth segment: table column, chart segment, CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

from comparisons.ingest.rows import validate_rows
from comparisons.services import comparisons_build, outputs_upload, study_create, study_open
from raters.services.vote_import import votes_import
from raters.vote_rows import validate_vote_rows
from results.services import results_refresh
from tests.comparisons.helpers import rows_for
from tests.results.test_api import lima_votes

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher_client(client, researcher):
    client.force_login(researcher)
    study = study_create(
        owner=researcher, name="Both bad", slug="bb", design="focal", focal_system="LIMA", baselines=["GPT-4", "Bard"],
        both_bad=True,
    )  # fmt: skip
    rows, errors = validate_rows(
        list(enumerate(rows_for(30, ["LIMA", "GPT-4", "Bard"]), start=1)), max_text_chars=10**6
    )
    assert not errors
    outputs_upload(study=study, rows=rows)
    study = study_open(study=study)
    comparisons_build(study_id=study.pk)
    raw = lima_votes(10, 6, 4) + lima_votes(5, 5, 5, baseline="Bard", rater="r2")
    raw = [r | {"choice": "both_bad"} if i % 5 == 0 else r for i, r in enumerate(raw)]  # 4 on GPT-4, 3 on Bard
    votes, errors = validate_vote_rows(list(enumerate(raw, start=1)))
    assert not errors
    votes_import(study=study, rows=votes)
    results_refresh(study_id=study.pk)  # what beat does: pages read the stored snapshot (issue 13)
    return client


def test_the_table_has_a_both_bad_column_apart_from_ties(researcher_client):
    page = researcher_client.get("/dashboard/s/bb/").content.decode()
    results = researcher_client.get("/api/studies/bb/results/").json()
    assert '<th scope="col">Both bad</th>' in page and 'id="both-bad-note"' in page
    for pair in results["pairs"]:
        o = pair["outcomes"]
        row = re.search(rf'<tr data-baseline="{pair["systems"][1]}">(.*?)</tr>', page, re.S).group(1)
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        expected = [f"{100 * o[k]:.0f}%" for k in ("win_share", "tie_share", "both_bad_share", "loss_share")]
        assert cells[1:5] == expected
    assert results["pairs"][0]["outcomes"]["both_bad"] == 4


def test_the_chart_draws_the_fourth_segment_and_names_it(researcher_client):
    svg = researcher_client.get("/dashboard/s/bb/figure1.svg").content.decode()
    results = researcher_client.get("/api/studies/bb/results/").json()
    assert "Both are bad" in svg
    labels = re.findall(r">(\d+%)<", svg.replace("\n", ""))
    for pair in results["pairs"]:
        assert f"{100 * pair['outcomes']['both_bad_share']:.0f}%" in labels


def test_the_results_csv_has_both_bad_beside_the_folded_counts(researcher_client):
    text = researcher_client.get("/dashboard/s/bb/results.csv").content.decode()
    rows = {r["baseline"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["GPT-4"]["both_bad"] == "4" and rows["Bard"]["both_bad"] == "3"
    assert int(rows["GPT-4"]["n"]) == int(rows["GPT-4"]["wins"]) + int(rows["GPT-4"]["ties"]) + int(
        rows["GPT-4"]["losses"]
    )


def test_the_new_study_form_offers_both_bad_with_its_label(client, researcher):
    from comparisons.models import Study

    client.force_login(researcher)
    fields = {"design": "focal", "focal_system": "Mine", "baselines": "GPT-4", "votes_per_comparison": 3}
    fields |= {"question": "Q", "choice_a": "A", "choice_b": "B", "choice_tie": "T"}
    assert client.post("/dashboard/new/", fields | {"name": "Off"}).status_code == 302
    on = fields | {"name": "On", "both_bad": "on", "choice_both_bad": "Both miss"}
    assert client.post("/dashboard/new/", on).status_code == 302
    assert not Study.objects.get(name="Off").offer_both_bad
    assert Study.objects.values_list("offer_both_bad", "choice_both_bad").get(name="On") == (True, "Both miss")


def test_the_new_study_form_makes_per_turn_and_rating_studies_and_names_a_bad_scale(client, researcher):
    from comparisons.models import Study

    client.force_login(researcher)
    fields = {"votes_per_comparison": 3, "question": "Q", "choice_a": "A", "choice_b": "B", "choice_tie": "T"}
    turns = fields | {
        "name": "Turns",
        "design": "focal",
        "focal_system": "Mine",
        "baselines": "GPT-4",
        "per_turn": "on",
    }
    assert client.post("/dashboard/new/", turns).status_code == 302
    graded = fields | {"name": "Graded", "design": "rating", "systems": "Mine, GPT-4", "scale": "Bad, Good, Great"}
    assert client.post("/dashboard/new/", graded).status_code == 302
    assert Study.objects.get(name="Turns").per_turn and not Study.objects.get(name="Graded").per_turn
    assert Study.objects.get(name="Graded").scale == ["Bad", "Good", "Great"]
    twice = client.post("/dashboard/new/", graded | {"name": "Twice", "scale": "Good, Good"})
    assert twice.status_code == 200 and not Study.objects.filter(name="Twice").exists()
    form = twice.context["form"]
    assert "scale" in form.errors, form.errors  # the reason stands beside the field it is about
    on_rating = client.post("/dashboard/new/", graded | {"name": "Both", "per_turn": "on"})
    assert on_rating.status_code == 200 and "per_turn" in on_rating.context["form"].errors
