"""The dashboard in a real browser (Debian's Chromium, Playwright), against a live server,
PostgreSQL and a Celery worker. Screenshots of each page go to test-artifacts/."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest

from raters.models import Vote
from results.services import results_refresh, results_refresh_stale
from tests.comparisons.helpers import rows_for
from tests.dashboard.conftest import shot
from tests.dashboard.helpers import study_with_votes

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker")]


@pytest.fixture
def researcher_login(transactional_db, live_server, page):
    from tests.factories import ResearcherFactory

    user = ResearcherFactory(username="ada")
    user.set_password("pw-for-tests")
    user.save()
    page.goto(f"{live_server.url}/dashboard/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "ada")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    return user


def test_create_a_study_upload_a_file_and_watch_the_job_finish(researcher_login, live_server, page, settings, tmp_path):
    settings.LIMA_ASYNC_UPLOAD_ROWS = 10
    page.click("text=New study")
    page.fill("#id_name", "Browser study")
    page.fill("#id_focal_system", "LIMA 65B")
    page.fill("#id_baselines", "GPT-4\nBard")
    page.fill("#id_slug", "browser-study")
    page.click("button:has-text('Create study')")
    page.wait_for_url(f"{live_server.url}/dashboard/s/browser-study/")
    path = tmp_path / "outputs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows_for(8, ["LIMA 65B", "GPT-4", "Bard"])))
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('Upload')")
    page.wait_for_url(re.compile(r".*/dashboard/jobs/.*"))
    page.wait_for_selector(".job-status:has-text('succeeded')", timeout=60_000)
    assert "24 of 24 rows written" in page.inner_text("#job")
    shot(page, "job")
    page.click("text=Back to the study")
    page.click("button:has-text('Open study')")
    assert "The study is now open." in page.inner_text(".messages")
    shot(page, "new-study")


def test_the_chart_and_table_show_the_apis_numbers_and_exclusion_changes_them(researcher_login, live_server, page):
    study = study_with_votes(researcher_login)
    results_refresh(study_id=study.pk)
    page.goto(f"{live_server.url}/dashboard/s/demo/")
    api = page.request.get(f"{live_server.url}/api/studies/demo/results/").json()
    src = page.locator("#figure1 img").get_attribute("src")
    assert page.locator("#figure1 img").evaluate("img => img.complete && img.naturalWidth > 0")
    svg = page.request.get(f"{live_server.url}{src}").text()
    labels = [html.unescape(t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]
    for pair in api["pairs"]:
        c = pair["counts"]
        for k in ("win_share", "tie_share", "loss_share"):
            if c[k] >= 0.06:
                assert f"{100 * c[k]:.0f}%" in labels
        row = page.locator(f"tr[data-baseline='{pair['systems'][1]}']")
        assert row.locator("td.win").inner_text() == f"{100 * c['win_share']:.0f}%"
        assert row.locator("td.n").inner_text() == str(c["n"])
        assert f"n = {c['n']}" in labels
    shot(page, "study")

    with page.expect_download() as download:
        page.click("text=Votes CSV")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == Vote.objects.filter(comparison__study=study).count() == api["n_votes"]
    assert {r["simulated"] for r in rows} == {"True"}

    before = api["n_votes"]
    first = page.locator("#raters-table tbody tr").first
    excluded_votes = int(first.locator("td").nth(3).inner_text())
    first.locator("button:has-text('Exclude')").click()
    page.wait_for_selector("text=excluded; the results update in a few seconds")
    results_refresh_stale()  # what the beat sweep does in a deployment (no beat in this test)
    page.reload()
    assert f"From {before - excluded_votes} votes" in page.inner_text("#results")
    shot(page, "excluded")


def test_prompt_drill_down_and_phone_layout(researcher_login, live_server, page):
    study_with_votes(researcher_login)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dashboard/s/demo/prompts/?baseline=GPT-4")
    page.click("text=p1")
    assert "GPT-4 answers 1." in page.inner_text("main")
    shot(page, "prompt-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no sideways scrolling of the page on a phone


def test_anonymous_visitors_and_rater_sessions_see_none_of_it(transactional_db, live_server, chromium):
    from tests.factories import ResearcherFactory

    study_with_votes(ResearcherFactory())
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/dashboard/s/demo/")
    assert "/accounts/login/" in page.url and "Researcher log in" in page.content()
    page.goto(f"{live_server.url}/r/demo/?PROLIFIC_PID=5f1e2d3c4b5a69788796a5b4&STUDY_ID=s1&SESSION_ID=x1")
    page.goto(f"{live_server.url}/dashboard/s/demo/")
    assert "/accounts/login/" in page.url
    response = page.request.get(f"{live_server.url}/api/studies/demo/results/")
    assert response.status in (401, 403)
    context.close()
