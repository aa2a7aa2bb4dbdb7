"""What a newcomer meets in the first hour (issue 12): simulated votes say so in every file,
the results explain themselves, the study's order is kept, researchers see Markdown rendered,
the consent page says who, how long and what happens with the data, and nothing is noisy."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from comparisons.ingest.rows import validate_rows
from comparisons.models import Study
from comparisons.services import comparisons_build, outputs_upload, study_create, study_open
from raters.models import Rater
from raters.services.entry import rater_settings_update
from results.services import results_refresh
from tests.comparisons.helpers import rows_for
from tests.dashboard.helpers import study_with_votes

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def researcher_client(client, researcher):
    client.force_login(researcher)
    return client


def fresh_study(owner, baselines: list[str], slug: str = "fresh") -> Study:
    study = study_create(
        owner=owner, name="Fresh", slug=slug, design="focal", focal_system="LIMA 65B", baselines=baselines
    )
    rows, errors = validate_rows(list(enumerate(rows_for(4, ["LIMA 65B", *baselines]), start=1)), max_text_chars=10**6)
    assert not errors
    outputs_upload(study=study, rows=rows)
    study = study_open(study=study)
    comparisons_build(study_id=study.pk)
    return study


def test_simulated_votes_are_named_in_the_results_json_chart_csv_and_jsonl(researcher_client, researcher, api):
    study_with_votes(researcher)
    results = api.get("/api/studies/demo/results/").json()
    assert results["simulated_votes"] == results["n_votes"] > 0 and results["simulated_votes_left_out"] == 0
    svg = researcher_client.get("/dashboard/s/demo/figure1.svg").content.decode()
    png = researcher_client.get("/dashboard/s/demo/figure1.png").content
    assert "SIMULATED" in svg and png.startswith(b"\x89PNG")
    rows = list(csv.DictReader(io.StringIO(researcher_client.get("/dashboard/s/demo/results.csv").content.decode())))
    assert rows and {r["votes_provenance"] for r in rows} == {"simulated"}
    assert {int(r["simulated_votes"]) for r in rows} == {results["simulated_votes"]}
    lines = [
        json.loads(x) for x in researcher_client.get("/dashboard/s/demo/results.jsonl").content.decode().splitlines()
    ]
    assert {x["votes_provenance"] for x in lines} == {"simulated"}
    votes = list(
        csv.DictReader(io.StringIO(b"".join(api.get("/api/studies/demo/votes.csv").streaming_content).decode()))
    )
    assert {(v["rater_source"], v["simulated"], v["imported"]) for v in votes} == {("simulated", "True", "False")}
    page = researcher_client.get("/dashboard/s/demo/").content.decode()
    assert "Simulated data." in page and "Holm-adjusted across baselines" in page
    assert "Votes still needed for a half-width of 5 points (95%)" in page


def test_a_png_chart_of_simulated_votes_differs_from_one_of_real_votes(researcher, api):
    from dashboard import charts

    study_with_votes(researcher)
    results = api.get("/api/studies/demo/results/").json()
    marked = charts.figure1(results["pairs"], "LIMA 65B", "png", note="SIMULATED: 3 of 3 votes are simulated")
    plain = charts.figure1(results["pairs"], "LIMA 65B", "png")
    assert marked[:8] == plain[:8] == b"\x89PNG\r\n\x1a\n" and marked != plain


def test_a_study_without_votes_shows_no_verdict_p_value_plan_or_chart(researcher_client, researcher, api):
    fresh_study(researcher, ["GPT-4"])
    results = api.get("/api/studies/fresh/results/").json()
    assert results["pairs"][0]["counts"]["n"] == 0 and results["pairs"][0]["verdict"] == "No votes yet: no verdict."
    page = researcher_client.get("/dashboard/s/fresh/").content.decode()
    assert "No votes yet" in page and "p = 1.00" not in page and 'id="figure1"' not in page
    assert researcher_client.get("/dashboard/s/fresh/figure1.svg").status_code == 404


def test_the_study_order_is_kept_in_results_progress_and_csv(researcher_client, researcher, api):
    order = ["Zeta", "Alpha", "Mu"]  # neither alphabetical nor by any other rule
    study = fresh_study(researcher, order)
    results = api.get("/api/studies/fresh/results/").json()
    assert [p["systems"][1] for p in results["pairs"]] == order
    assert results["systems"] == ["LIMA 65B", *order]
    from dashboard.selectors import study_progress

    assert [p["systems"][1] for p in study_progress(study)["pairs"]] == order
    rows = list(csv.DictReader(io.StringIO(researcher_client.get("/dashboard/s/fresh/results.csv").content.decode())))
    assert [r["baseline"] for r in rows] == order


def test_researchers_read_markdown_rendered_and_inert_with_the_source_beside_it(researcher_client, researcher):
    study = fresh_study(researcher, ["GPT-4"])
    response = study.prompts.first().responses.first()
    response.text = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    response.save()
    page = researcher_client.get(f"/dashboard/s/fresh/prompts/{response.prompt_id}/").content.decode()
    assert "<strong>bold</strong>" in page and "<script>alert(1)" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the source, escaped, under "Source"


def test_the_prompt_list_names_the_outcome_from_the_focal_systems_side(researcher_client, researcher):
    study_with_votes(researcher)
    page = researcher_client.get("/dashboard/s/demo/prompts/").content.decode()
    assert "LIMA 65B vs GPT-4: " in page and "GPT-4 vs LIMA 65B" not in page
    assert "LIMA 65B loses" in page or "LIMA 65B wins" in page


def test_the_consent_page_says_who_how_long_pay_data_use_and_checks_only_when_true(client, researcher):
    study = fresh_study(researcher, ["GPT-4"])
    rater_settings_update(study=study, allow_anonymous=True)
    client.post("/r/fresh/")
    page = client.get("/r/fresh/instructions/").content.decode()
    assert "About 20 minutes (about a minute per pair)" in page and "Prolific ID" in page
    assert "attention check" not in page.lower() and "Pay" not in page  # no gold pairs, no pay given
    rater_settings_update(
        study=study,
        researcher_name="Dr. Ada Lovelace",
        researcher_contact="ada@example.org",
        estimated_minutes=15,
        pay="£2.25 (£9.00 an hour)",
        data_use="Kept for a year.",
    )
    page = client.get("/r/fresh/instructions/").content.decode()
    for text in (
        "Dr. Ada Lovelace",
        "ada@example.org",
        "About 15 minutes.",
        "£2.25 (£9.00 an hour)",
        "Kept for a year.",
    ):
        assert text in page


def test_a_real_vote_makes_the_dashboard_say_simulated_votes_are_left_out(researcher_client, researcher):
    from raters.models import Vote
    from raters.services.votes import vote_build

    study = study_with_votes(researcher, open_per_baseline=2)
    open_one = study.comparisons.filter(votes__isnull=True).select_related("left_response", "right_response").first()
    person = Rater.objects.create(study=study, external_id="person", source=Rater.Source.ANONYMOUS)
    left, right = open_one.left_response, open_one.right_response
    Vote.objects.bulk_create(
        [
            vote_build(
                rater_id=person.pk,
                comparison_id=open_one.pk,
                left=(left.pk, left.system_id),
                right=(right.pk, right.system_id),
                choice="tie",
                seconds=20,
                is_gold=False,
            )
        ]
    )
    results_refresh(study_id=study.pk)
    page = researcher_client.get("/dashboard/s/demo/").content.decode()
    assert "Real votes only." in page and "simulated votes are left out" in page
    rows = list(csv.DictReader(io.StringIO(researcher_client.get("/dashboard/s/demo/results.csv").content.decode())))
    assert {r["votes_provenance"] for r in rows} == {"real"}


def test_url_fields_of_the_dashboard_and_admin_forms_raise_no_deprecation_warning(rf, admin_user):
    from django.contrib import admin

    from dashboard.forms import SettingsForm
    from judges.models import Collection, Judge
    from raters.models import StudyRaterSettings

    request = rf.get("/admin/")
    request.user = admin_user
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        SettingsForm()
        for model in (Judge, Collection, StudyRaterSettings):
            admin.site._registry[model].get_form(request)()


def test_a_log_event_is_printed_once():
    code = "import django, logging; django.setup(); logging.getLogger('django.request').warning('one-event')"
    env = os.environ | {"DEBUG": "True", "DJANGO_SETTINGS_MODULE": "lima_eval.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (done.stdout + done.stderr).count("one-event") == 1


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("favicon.svg")


def test_importing_the_urls_loads_neither_numpy_scipy_nor_matplotlib():
    code = (
        "import django, sys; django.setup(); import lima_eval.urls; "
        "print(sorted(m for m in ('numpy', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "lima_eval.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    logging.getLogger(__name__).debug("urls import without scipy/matplotlib")
