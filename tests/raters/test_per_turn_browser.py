"""A rater compares two dialogue continuations turn by turn in headless Chromium: keys 1..4
per turn in order, Enter only once every turn is answered, phone width, and hostile turns that
stay inert."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from comparisons import services
from comparisons.ingest.rows import validate_rows
from raters.models import Vote
from raters.services.entry import rater_settings_update
from tests.raters import test_browser
from tests.raters.test_browser import SHOTS, at, new_page
from tests.raters.test_grade_browser import HOSTILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
in_browser = test_browser.in_browser  # the headless Chromium fixture (module scope)


def continuation(system: str, i: int) -> list[dict]:
    return [
        {"role": "assistant", "content": f"{system} first answer {i}."},
        {"role": "user", "content": f"And then {i}?"},
        {"role": "assistant", "content": HOSTILE if system == "B" else f"{system} second answer {i}."},
        {"role": "user", "content": f"One more {i}?"},
        {"role": "assistant", "content": f"{system} third answer {i}."},
    ]


def test_a_rater_answers_each_turn_with_the_keyboard_and_on_a_phone(live_server, in_browser):
    owner = get_user_model().objects.create(username="owner-turns")
    study = services.study_create(
        owner=owner, name="turns", slug="turns", design="all_pairs", systems=["A", "B"], per_turn=True, both_bad=True
    )
    rows = [
        {"prompt_id": f"c{i}", "prompt": f"Plan a trip {i}?", "system": s, "response": continuation(s, i)}
        for i in range(2)
        for s in ("A", "B")
    ]
    valid, errors = validate_rows(list(enumerate(rows, start=1)), max_text_chars=10**6)
    assert not errors, errors
    services.outputs_upload(study=study, rows=valid)
    study = services.study_open(study=study)
    services.comparisons_build(study_id=study.pk)
    rater_settings_update(study=study, quota=2)

    def steps(browser) -> list[str]:
        page = new_page(browser, viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/r/turns/?PROLIFIC_PID=p3&STUDY_ID=s&SESSION_ID=x")
        page.get_by_label("I have read the instructions").check()
        page.get_by_role("button", name="Start").click()
        at(page, "text=1 of 2")
        main = page.inner_text("main")
        assert "Response A, turn 3" in main and "Response B, turn 3" in main and main.count("And then") == 1
        assert page.evaluate("window.pwned") is None
        assert page.locator("img[onerror]").count() == 0 and page.locator("main script").count() == 0
        groups = page.locator("fieldset.turn-choice")
        assert groups.count() == 3
        page.keyboard.press("1")  # turn 1: A
        page.keyboard.press("4")  # turn 2: both are bad
        page.keyboard.press("Enter")  # turn 3 unanswered: Enter does not submit
        assert "1 of 2" in page.inner_text("main")
        page.keyboard.press("3")  # turn 3: a tie
        assert groups.nth(2).get_by_label("Neither is significantly better").is_checked()
        page.screenshot(path=SHOTS / "per-turn-wide.png", full_page=True)
        page.keyboard.press("Enter")
        page.wait_for_selector("text=2 of 2")
        phone = new_page(browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{live_server.url}/r/turns/vote/")
        phone.wait_for_selector("text=2 of 2")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        phone.screenshot(path=SHOTS / "per-turn-phone.png", full_page=True)
        turns = phone.locator("fieldset.turn-choice")
        for n, label in enumerate(("Response B is significantly better", "Both are bad", "Both are bad")):
            turns.nth(n).get_by_label(label).tap()
        phone.get_by_role("button", name="Submit and continue").tap()
        phone.wait_for_url("**/done/")
        assert phone.evaluate("window.pwned") is None and page.evaluate("window.pwned") is None
        return page.console_errors + phone.console_errors

    assert in_browser(steps) == []
    assert sorted(Vote.objects.values_list("turn_choices", flat=True)) == [
        ["left", "both_bad", "tie"],
        ["right", "both_bad", "both_bad"],
    ]
    assert set(Vote.objects.values_list("choice", flat=True)) == {"per_turn"}
