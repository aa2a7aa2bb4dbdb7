"""The researcher pages: access, rendering from the results' numbers, actions."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comparisons.models import Prompt, Study
from raters.models import Rater, Vote
from results.services import results_refresh, results_refresh_stale
from tests.comparisons.helpers import rows_for
from tests.dashboard.helpers import jsonl, study_with_votes
from tests.factories import ResearcherFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def researcher_client(client, researcher):
    client.force_login(researcher)
    return client


def test_anonymous_visitors_are_sent_to_log_in_and_non_researchers_are_refused(client, researcher):
    study_with_votes(researcher)
    for url in ("/dashboard/", "/dashboard/s/demo/", "/dashboard/s/demo/prompts/", "/dashboard/s/demo/figure1.svg"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    client.force_login(UserFactory())
    assert client.get("/dashboard/s/demo/").status_code == 403


def test_a_researcher_cannot_see_another_researchers_study(client, researcher):
    study_with_votes(researcher)
    client.force_login(ResearcherFactory())
    assert client.get("/dashboard/s/demo/").status_code == 404
    assert client.get("/dashboard/s/demo/results.csv").status_code == 404


def test_the_study_page_shows_the_results_apis_numbers(researcher_client, researcher, api):
    study_with_votes(researcher)
    page = researcher_client.get("/dashboard/s/demo/").content.decode()
    results = researcher_client.get("/api/studies/demo/results/").json()
    for pair in results["pairs"]:
        c = pair["counts"]
        row = re.search(rf'<tr data-baseline="{pair["systems"][1]}">(.*?)</tr>', page, re.S).group(1)
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        assert cells[1:5] == [
            f"{100 * c[k]:.0f}%" for k in ("win_share", "tie_share", "loss_share", "win_or_tie_share")
        ]
        assert cells[6] == str(c["n"]) and cells[7] == f"{pair['p_value_holm']:.3f}" and cells[8] == pair["verdict"]
    assert (
        '<figure class="chart" id="figure1"><img src="/dashboard/s/demo/figure1.svg"' in page
        and "Simulated data." in page
    )
    assert "<svg" not in page  # generated markup is never inlined


def test_the_chart_downloads_as_svg_and_png_with_the_same_percentages(researcher_client, researcher):
    study_with_votes(researcher)
    svg = researcher_client.get("/dashboard/s/demo/figure1.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    results = researcher_client.get("/api/studies/demo/results/").json()
    labels = re.findall(r">(\d+%)<", svg.content.decode().replace("\n", ""))
    for pair in results["pairs"]:
        for k in ("win_share", "tie_share", "loss_share"):
            if pair["counts"][k] >= 0.06:
                assert f"{100 * pair['counts'][k]:.0f}%" in labels
    png = researcher_client.get("/dashboard/s/demo/figure1.png")
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_results_csv_has_a_row_per_pair(researcher_client, researcher):
    study_with_votes(researcher)
    rows = list(csv.DictReader(io.StringIO(researcher_client.get("/dashboard/s/demo/results.csv").content.decode())))
    assert [r["baseline"] for r in rows] == ["GPT-4", "Bard"] or sorted(r["baseline"] for r in rows) == [
        "Bard",
        "GPT-4",
    ]
    assert all(int(r["n"]) == int(r["wins"]) + int(r["ties"]) + int(r["losses"]) for r in rows)
    lines = researcher_client.get("/dashboard/s/demo/results.jsonl").content.decode().splitlines()
    api = researcher_client.get("/api/studies/demo/results/").json()
    assert [json.loads(line)["counts"] for line in lines] == [p["counts"] for p in api["pairs"]]


def test_a_study_is_created_from_the_form_and_errors_name_the_field(researcher_client):
    bad = researcher_client.post(
        "/dashboard/new/",
        {
            "name": "X",
            "design": "focal",
            "baselines": "GPT-4",
            "votes_per_comparison": 3,
            "question": "Q",
            "choice_a": "A",
            "choice_b": "B",
            "choice_tie": "T",
        },
    )
    assert bad.status_code == 200 and "is required for a focal study" in bad.content.decode()
    good = researcher_client.post(
        "/dashboard/new/",
        {
            "name": "My study",
            "design": "focal",
            "focal_system": "Mine",
            "baselines": "GPT-4, Bard",
            "votes_per_comparison": 5,
            "question": "Q",
            "choice_a": "A",
            "choice_b": "B",
            "choice_tie": "T",
        },
    )
    study = Study.objects.get(name="My study")
    assert good.status_code == 302 and good["Location"] == f"/dashboard/s/{study.slug}/"
    assert "my-study" not in study.slug  # a default slug is random words, never the name
    assert (
        sorted(study.systems.values_list("name", flat=True)) == ["Bard", "GPT-4", "Mine"]
        and study.votes_per_comparison == 5
    )


def test_outputs_upload_from_the_page_and_bad_files_store_nothing(researcher_client, researcher):
    from comparisons.services import study_create

    study_create(owner=researcher, name="Up", slug="up", design="focal", focal_system="LIMA", baselines=["GPT-4"])
    ok = researcher_client.post(
        "/dashboard/s/up/upload/",
        {"file": SimpleUploadedFile("o.jsonl", jsonl(rows_for(3, ["LIMA", "GPT-4"])))},
        follow=True,
    )
    assert "Stored: 6 new" in ok.content.decode()
    bad_rows = rows_for(2, ["LIMA", "GPT-4"], start=10)
    del bad_rows[1]["response"]
    bad = researcher_client.post(
        "/dashboard/s/up/upload/", {"file": SimpleUploadedFile("o.jsonl", jsonl(bad_rows))}, follow=True
    )
    assert "Nothing was stored" in bad.content.decode() and "row 2: response: is required" in bad.content.decode()
    assert Prompt.objects.filter(study__slug="up").count() == 3


def test_a_large_upload_from_the_page_becomes_a_job_with_a_progress_page(researcher_client, researcher, settings):
    from comparisons.services import study_create

    settings.LIMA_ASYNC_UPLOAD_ROWS = 4
    study_create(owner=researcher, name="Up", slug="up", design="focal", focal_system="LIMA", baselines=["GPT-4"])
    response = researcher_client.post(
        "/dashboard/s/up/upload/", {"file": SimpleUploadedFile("o.jsonl", jsonl(rows_for(3, ["LIMA", "GPT-4"])))}
    )
    assert response.status_code == 302 and response["Location"].startswith("/dashboard/jobs/")
    page = researcher_client.get(response["Location"]).content.decode()
    assert "pending" in page and "0 of 6 rows written" in page and "data-refresh" in page


def test_excluding_a_rater_changes_the_numbers_and_including_restores_them(researcher_client, researcher):
    study = study_with_votes(researcher)
    results_refresh(study_id=study.pk)
    before = researcher_client.get("/api/studies/demo/results/").json()["n_votes"]
    rater = Rater.objects.filter(study=study, votes__isnull=False).first()
    n = Vote.objects.filter(rater=rater).count()
    researcher_client.post(f"/dashboard/s/demo/raters/{rater.pk}/exclude/", {"reason": "too fast"})
    # As through the API: served stale until the results sweep has run (tests/results/test_votes_that_count.py).
    assert researcher_client.get("/api/studies/demo/results/").json()["stale"] is True
    results_refresh_stale()
    assert researcher_client.get("/api/studies/demo/results/").json()["n_votes"] == before - n
    rater.refresh_from_db()
    assert rater.excluded and "excluded" in researcher_client.get("/dashboard/s/demo/").content.decode()
    researcher_client.post(f"/dashboard/s/demo/raters/{rater.pk}/include/")
    results_refresh_stale()
    assert researcher_client.get("/api/studies/demo/results/").json()["n_votes"] == before


def test_settings_save_votes_per_comparison_and_rater_settings(researcher_client, researcher):
    study_with_votes(researcher)
    response = researcher_client.post(
        "/dashboard/s/demo/settings/",
        {
            "votes_per_comparison": 5,
            "guidelines": "Be careful.",
            "quota": 12,
            "completion_code": "ABC123",
            "prolific_completion_url": "https://app.prolific.com/submissions/complete",
            "gold_rate": 0.1,
        },
    )
    assert response.status_code == 302
    study = Study.objects.get(slug="demo")
    assert study.votes_per_comparison == 5
    assert (study.rater_settings.quota, study.rater_settings.completion_code, study.rater_settings.gold_rate) == (
        12,
        "ABC123",
        0.1,
    )
    bad = researcher_client.post(
        "/dashboard/s/demo/settings/",
        {"votes_per_comparison": 0, "quota": 1, "completion_code": "x", "gold_rate": 3},
        follow=True,
    )
    assert "Settings not saved" in bad.content.decode()


def test_open_and_close_from_the_page(researcher_client, researcher):
    study_with_votes(researcher)
    researcher_client.post("/dashboard/s/demo/close/")
    assert Study.objects.get(slug="demo").status == "closed"
    researcher_client.post("/dashboard/s/demo/open/")
    assert Study.objects.get(slug="demo").status == "open"


def test_prompt_drill_down_filters_and_unblinds_for_the_researcher(researcher_client, researcher):
    study = study_with_votes(researcher)
    listing = researcher_client.get("/dashboard/s/demo/prompts/?category=advice&baseline=Bard").content.decode()
    assert "p0" in listing and "p1:" not in listing and "GPT-4" not in listing.split("<tbody>")[1]
    assert "10 prompts" in listing
    wins = researcher_client.get("/dashboard/s/demo/prompts/?outcome=win").content.decode()
    chips = re.findall(r'<span class="chip (\w+)">', wins)
    assert chips and set(chips) == {"win"}
    found = researcher_client.get("/dashboard/s/demo/prompts/?q=Question 7?").content.decode()
    assert "p7" in found and "1 prompts" in found
    prompt = Prompt.objects.get(study=study, external_id="p3")
    detail = researcher_client.get(f"/dashboard/s/demo/prompts/{prompt.pk}/").content.decode()
    assert "GPT-4 answers 3." in detail and "LIMA 65B answers 3." in detail and "simulated" in detail


def test_the_progress_panel_counts_votes_against_targets(researcher_client, researcher):
    from raters.models import GoldPair
    from results.services import results_refresh_stale

    study = study_with_votes(researcher)
    panel = researcher_client.get("/dashboard/s/demo/progress/").content.decode()
    assert "Votes 120 of 120 wanted" in panel and 'data-refresh="/dashboard/s/demo/progress/"' in panel
    gold = study.comparisons.first()
    GoldPair.objects.create(comparison=gold, expected_winner=gold.left_response.system)
    Vote.objects.filter(comparison=gold).update(is_gold=True)
    panel = researcher_client.get("/dashboard/s/demo/progress/").content.decode()
    assert "Votes 120 of 120 wanted" in panel and "updating" in panel  # the last refresh's count, marked
    assert results_refresh_stale() == [study.pk]  # what beat runs: pages read what it stores (issue 13)
    panel = researcher_client.get("/dashboard/s/demo/progress/").content.decode()
    assert "Votes 117 of 117 wanted" in panel and "updating" not in panel


def test_systems_are_attached_to_a_draft_only(researcher_client, researcher):
    from comparisons.services import study_create

    study = study_create(
        owner=researcher, name="Draft", slug="draft", design="focal", focal_system="LIMA", baselines=[]
    )
    researcher_client.post("/dashboard/s/draft/systems/", {"systems": "GPT-4, Claude"})
    assert sorted(study.systems.values_list("name", flat=True)) == ["Claude", "GPT-4", "LIMA"]
    study_with_votes(researcher)
    refused = researcher_client.post("/dashboard/s/demo/systems/", {"systems": "Mistral"}, follow=True)
    assert "systems can only be added to a draft" in refused.content.decode()
    assert not Study.objects.get(slug="demo").systems.filter(name="Mistral").exists()


def test_judge_votes_are_named_apart_from_the_headline(researcher_client, researcher):
    from raters.services.vote_import import votes_import
    from raters.vote_rows import validate_vote_rows

    study = study_with_votes(researcher)
    rows, errors = validate_vote_rows(
        [
            (
                1,
                {
                    "prompt_id": "p0",
                    "left_system": "LIMA 65B",
                    "right_system": "GPT-4",
                    "choice": "left",
                    "rater": "judge:gpt4",
                    "rater_group": "judge",
                },
            )
        ]
    )
    assert not errors
    votes_import(study=study, rows=rows)
    results_refresh(study_id=study.pk)
    page = researcher_client.get("/dashboard/s/demo/").content.decode()
    assert "From 120 votes (and 1 LLM-judge votes, shown apart" in page


def test_the_studies_list_shows_each_studys_progress_in_a_fixed_number_of_queries(
    researcher_client, researcher, django_assert_max_num_queries
):
    from dashboard.selectors import studies_votes_wanted, study_progress
    from results.services import results_refresh_stale
    from tests.factories import GoldPairFactory

    studies = [study_with_votes(researcher, slug=f"s{i}", prompts=4 + i) for i in range(3)]
    GoldPairFactory(comparison=studies[0].comparisons.first())
    Vote.objects.filter(comparison__gold__isnull=False).update(is_gold=True)
    Rater.objects.filter(pk=Vote.objects.filter(comparison__study=studies[1]).values("rater")[:1]).update(excluded=True)
    assert sorted(results_refresh_stale()) == sorted(s.pk for s in studies[:2])  # what beat runs
    totals = studies_votes_wanted(studies)
    for study in studies:
        progress = study_progress(study)
        assert totals[study.pk] == (progress["votes"], progress["wanted"]) and progress["votes"] > 0
    with django_assert_max_num_queries(12):  # session, user, studies, prefetch, two totals ...
        page = researcher_client.get("/dashboard/").content.decode()
    for study in studies:
        votes, wanted = totals[study.pk]
        assert f"{votes} / {wanted}" in page
