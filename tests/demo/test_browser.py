"""The demo as a newcomer meets it, in a real browser (Debian's Chromium via Playwright): the
dashboard's chart shows LIMA's Figure 1, bar by bar in the figure's order, says the votes are
simulated, and the printed rater link leads to a voting form."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from demo.simulate import LIMA_HUMAN_SHARES
from tests.dashboard.conftest import shot

ROOT = Path(__file__).resolve().parents[2]
FIGURE1_ORDER = ["Alpaca 65B", "DaVinci003", "Bard", "Claude", "GPT-4"]

# Every <text> of the chart's SVG (opened as its own document) with its centre.
TEXTS_JS = """() => [...document.querySelectorAll('svg text')].map(t => {
  const r = t.getBoundingClientRect();
  return {text: t.textContent.trim(), x: r.x + r.width / 2, y: r.y + r.height / 2};
})"""


def printed_rater_link() -> str:
    """The rater link line `./run demo` prints, read from the script itself."""
    script = (ROOT / "run").read_text()
    line = next(line for line in script.splitlines() if "Rater link:" in line)
    return line.split("${port}", 1)[1].strip().split()[0]


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)
    user = get_user_model().objects.get(username="demo")
    user.set_password("demo")
    user.save()


def test_a_newcomer_sees_figure_1_in_order_and_the_printed_rater_link_reaches_a_voting_form(demo, live_server, page):
    page.goto(f"{live_server.url}/dashboard/s/lima-demo/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    # The page shows the chart as an <img> of its SVG (never inlined markup: docs/dashboard.md);
    # the newcomer's bars are read from that same SVG, opened the way the browser loads it.
    page.wait_for_selector("#figure1 img")
    assert page.locator("#figure1 img").evaluate("img => img.complete && img.naturalWidth > 0")
    study_page = page.url
    svg = page.request.get(live_server.url + page.locator("#figure1 img").get_attribute("src"))
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")
    page.set_content(svg.text())  # laid out by the browser, for the labels' positions
    texts = page.evaluate(TEXTS_JS)
    labels = sorted((t for t in texts if t["text"].startswith("LIMA 65B vs ")), key=lambda t: t["y"])
    assert [t["text"].removeprefix("LIMA 65B vs ") for t in labels] == FIGURE1_ORDER  # top to bottom
    for label in labels:
        on_bar = sorted(
            (t for t in texts if t["text"].endswith("%") and abs(t["y"] - label["y"]) < 6 and t["x"] > label["x"]),
            key=lambda t: t["x"],
        )
        baseline = label["text"].removeprefix("LIMA 65B vs ")
        assert [t["text"] for t in on_bar] == [f"{s}%" for s in LIMA_HUMAN_SHARES[baseline]], baseline
    assert any("SIMULATED" in t["text"] for t in texts)
    page.goto(study_page)
    assert "Simulated data." in page.inner_text("#provenance")
    rows = page.eval_on_selector_all("#results-table tbody tr", "rows => rows.map(r => r.dataset.baseline)")
    assert rows == FIGURE1_ORDER
    shot(page, "demo")

    link = printed_rater_link()
    assert link == "/r/lima-demo/"
    context = page.context.browser.new_context()  # a stranger: no researcher session
    stranger = context.new_page()
    try:
        response = stranger.goto(f"{live_server.url}{link}")
        assert response is not None and response.status == 200
        stranger.click("button:has-text('Start')")
        assert "About this study" in stranger.inner_text("#consent")
        stranger.check("input[name=consent]")
        stranger.click("button:has-text('Start')")
        stranger.wait_for_selector("#vote-form")
        assert stranger.locator("#vote-form input[name=choice]").count() == 3
    finally:
        context.close()
