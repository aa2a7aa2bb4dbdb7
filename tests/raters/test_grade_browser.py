"""A rater grades a rating study and a dialogue study in headless Chromium: mouse, keyboard
(keys 1..n, Enter), phone width, and a hostile response that stays inert."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from comparisons import services
from comparisons.ingest.rows import validate_rows
from comparisons.models import Study
from raters.models import Vote
from raters.services.entry import rater_settings_update
from tests.raters import test_browser
from tests.raters.test_browser import SHOTS, at, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
in_browser = test_browser.in_browser  # the headless Chromium fixture (module scope)
HOSTILE = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 1"> A **bold** answer.'


def open_rating_study(slug: str, design: str, rows: list[dict], quota: int) -> Study:
    owner = get_user_model().objects.create(username=f"owner-{slug}")
    systems = sorted({r["system"] for r in rows})
    study = services.study_create(owner=owner, name=slug, slug=slug, design=design, systems=systems)
    valid, errors = validate_rows(list(enumerate(rows, start=1)), max_text_chars=10**6)
    assert not errors, errors
    services.outputs_upload(study=study, rows=valid)
    study = services.study_open(study=study)
    services.comparisons_build(study_id=study.pk)
    rater_settings_update(study=study, quota=quota)
    return study


def test_a_rater_grades_responses_by_mouse_keyboard_and_phone_and_hostile_text_stays_inert(live_server, in_browser):
    rows = [
        {
            "prompt_id": f"p{i}",
            "prompt": f"How do I make tea {i}?",
            "system": s,
            "response": HOSTILE if s == "A" else f"Boil water {i}.",
        }
        for i in range(3)
        for s in ("A", "B")
    ]
    open_rating_study("grade", "rating", rows, quota=3)

    def steps(browser) -> list[str]:
        page = new_page(browser, viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/r/grade/?PROLIFIC_PID=p1&STUDY_ID=s&SESSION_ID=x")
        assert "does not meet the requirements of the prompt" in page.inner_text("main")
        page.get_by_label("I have read the instructions").check()
        page.get_by_role("button", name="Start").click()
        page.wait_for_selector("text=1 of 3")
        assert page.evaluate("window.pwned") is None
        assert page.locator("img[onerror]").count() == 0 and page.locator("main script").count() == 0
        page.screenshot(path=SHOTS / "grade-wide.png", full_page=True)
        page.get_by_label("Excellent").check()  # the mouse
        page.get_by_role("button", name="Submit and continue").click()
        at(page, "text=2 of 3")
        page.keyboard.press("1")  # the keyboard: the lowest grade
        assert page.get_by_label("Fail").is_checked()
        page.keyboard.press("Enter")
        page.wait_for_selector("text=3 of 3")
        phone = new_page(browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{live_server.url}/r/grade/vote/")
        phone.wait_for_selector("text=3 of 3")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        phone.screenshot(path=SHOTS / "grade-phone.png", full_page=True)
        phone.get_by_label("Pass").tap()
        phone.get_by_role("button", name="Submit and continue").tap()
        phone.wait_for_url("**/done/")
        assert phone.evaluate("window.pwned") is None and page.evaluate("window.pwned") is None
        return page.console_errors + phone.console_errors

    errors = in_browser(steps)
    assert errors == []
    assert sorted(Vote.objects.values_list("grade", flat=True)) == [0, 1, 2]
    assert set(Vote.objects.values_list("choice", flat=True)) == {"grade"}


def test_a_rater_grades_each_turn_of_a_dialogue_with_the_keyboard(live_server, in_browser):
    reply = [
        {"role": "assistant", "content": "First answer."},
        {"role": "user", "content": "And then?"},
        {"role": "assistant", "content": HOSTILE},
        {"role": "user", "content": "Thanks, one more?"},
        {"role": "assistant", "content": "Third answer."},
    ]
    rows = [{"prompt_id": "c1", "prompt": "Plan a trip?", "system": s, "response": reply} for s in ("A", "B")]
    open_rating_study("chat", "dialogue", rows, quota=2)

    def steps(browser) -> list[str]:
        page = new_page(browser, viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/r/chat/?PROLIFIC_PID=p2&STUDY_ID=s&SESSION_ID=x")
        page.get_by_label("I have read the instructions").check()
        page.get_by_role("button", name="Start").click()
        at(page, "text=1 of 2")
        assert "And then?" in page.inner_text("main") and page.evaluate("window.pwned") is None
        for key in ("3", "2", "1"):  # each key grades the next turn in order
            page.keyboard.press(key)
        page.screenshot(path=SHOTS / "dialogue-wide.png", full_page=True)
        page.keyboard.press("Enter")
        page.wait_for_selector("text=2 of 2")
        groups = page.locator("fieldset.grades")
        assert groups.count() == 3
        groups.nth(0).get_by_label("Pass").check()  # the mouse, turn by turn
        groups.nth(1).get_by_label("Pass").check()
        page.keyboard.press("Enter")  # a turn is still ungraded: Enter does not submit
        assert "2 of 2" in page.inner_text("main")
        groups.nth(2).get_by_label("Excellent").check()
        page.get_by_role("button", name="Submit and continue").click()
        page.wait_for_url("**/done/")
        return page.console_errors

    assert in_browser(steps) == []
    assert sorted(Vote.objects.values_list("turn_grades", flat=True)) == [[1, 1, 2], [2, 1, 0]]
