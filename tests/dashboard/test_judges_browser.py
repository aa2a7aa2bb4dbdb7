"""The judge part of the study page in a real browser (Debian's Chromium, Playwright)."""

from __future__ import annotations

import pytest

from results.services import results_refresh
from tests.dashboard.conftest import shot
from tests.dashboard.helpers import study_with_judge
from tests.dashboard.test_browser import researcher_login  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("celery_worker")]


def test_judge_tables_small_multiples_and_the_budget_planner_in_the_browser(researcher_login, live_server, page):  # noqa: F811
    study = study_with_judge(researcher_login)
    results_refresh(study_id=study.pk)
    page.goto(f"{live_server.url}/dashboard/s/judged/")
    api = page.request.get(f"{live_server.url}/api/studies/judged/results/").json()
    strict = api["judges"][0]["orders"]["strict_both_orders"]["estimate"]
    row = page.locator("table.judge-agreement tr", has_text="both orders right").first
    assert row.locator("td").first.inner_text().startswith(f"{strict:.2f}")
    multiples = page.locator("#small-multiples figure.chart.small img")
    assert multiples.count() == 2
    assert all(multiples.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(2))
    assert page.locator("#small-multiples svg").count() == 0  # generated markup is never inlined
    assert page.locator("#ppi-table tbody tr").count() == 2
    page.fill("#id_half_width", "0.05")
    page.fill("#id_price_per_human_vote", "0.4")
    page.fill("#id_price_per_judge_call", "0.01")
    page.click("#budget-form button[type=submit]")
    page.wait_for_selector("#budget-table")
    assert page.locator("#budget-table tbody tr").count() == 2
    shot(page, "judges")
