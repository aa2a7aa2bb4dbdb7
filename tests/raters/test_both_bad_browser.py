""" "Both are bad" in headless Chromium: the mouse, key 4 and the form without JavaScript."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from raters.models import Vote
from tests.raters.conftest import open_study
from tests.raters.test_browser import at, enter, in_browser, new_page, study_rows  # noqa: F401 (in_browser: a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LABEL = "Both answers are bad"


def test_a_rater_says_both_are_bad_by_key_4_by_mouse_and_without_javascript(live_server, in_browser):  # noqa: F811
    study = open_study(systems=("LIMA", "GPT-4"), rows=study_rows(), slug="tea", quota=2)
    Study.objects.filter(pk=study.pk).update(offer_both_bad=True, choice_both_bad=LABEL)

    def steps(browser) -> None:
        page = new_page(browser, viewport={"width": 1280, "height": 900})
        enter(page, f"{live_server.url}/r/tea/?PROLIFIC_PID=keys")
        at(page, "text=1 of 2")
        page.keyboard.press("4")
        assert page.get_by_label(LABEL).is_checked()
        page.keyboard.press("Enter")
        page.wait_for_selector("text=2 of 2")
        page.get_by_label(LABEL).check()  # the mouse
        page.get_by_role("button", name="Submit and continue").click()
        page.wait_for_selector("#completion-code")
        assert page.console_errors == []
        plain = new_page(browser, java_script_enabled=False)
        enter(plain, f"{live_server.url}/r/tea/?PROLIFIC_PID=nojs")
        plain.get_by_label(LABEL).check()
        plain.get_by_role("button", name="Submit and continue").click()
        plain.wait_for_selector("text=2 of 2")

    in_browser(steps)
    votes = Vote.objects.order_by("id")
    assert [(v.rater.external_id, v.choice, v.winner_id) for v in votes] == [
        ("keys", "both_bad", None),
        ("keys", "both_bad", None),
        ("nojs", "both_bad", None),
    ]
