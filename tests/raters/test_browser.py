"""End to end in headless Chromium (Playwright for Python driving Debian's /usr/bin/chromium).

Screenshots go to test-artifacts/raters/. Skipped, with the reason, only when chromium is
absent (./run test installs it when it can)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from raters.models import Rater, Vote
from tests.conftest import ARTIFACTS
from tests.factories import GoldPairFactory
from tests.raters.conftest import open_study

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
SHOTS = ARTIFACTS / "raters"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class BrowserThread:
    """Headless Chromium owned by one thread of its own. Playwright's sync API cannot start
    in a thread where another Playwright (another suite's session fixture) already runs its
    loop, so these tests hand their browser steps to this thread and wait for the result.
    The steps touch no database (the test checks it afterwards in its own thread), so the
    ORM's async-safety check stays on: no DJANGO_ALLOW_ASYNC_UNSAFE."""

    def __init__(self) -> None:
        self.jobs: queue.Queue = queue.Queue()
        self.ready: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._serve, name="raters-chromium", daemon=True)
        self.thread.start()
        started = self.ready.get(timeout=60)
        if isinstance(started, BaseException):
            raise started

    def _serve(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                self.ready.put(True)
                while (job := self.jobs.get()) is not None:
                    steps, done = job
                    try:
                        done.put((steps(browser), None))
                    except BaseException as exc:  # noqa: BLE001 - handed back to the test
                        done.put((None, exc))
                browser.close()
        except BaseException as exc:  # noqa: BLE001 - handed back to the fixture
            self.ready.put(exc)

    def run(self, steps: Callable, timeout: float = 120):
        done: queue.Queue = queue.Queue()
        self.jobs.put((steps, done))
        result, error = done.get(timeout=timeout)
        if error is not None:
            raise error
        return result

    def stop(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def in_browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "/usr/bin/chromium is absent and could not be installed (./run test installs Debian's chromium as root)"
        )
    SHOTS.mkdir(parents=True, exist_ok=True)
    worker = BrowserThread()
    yield worker.run
    worker.stop()


def new_page(browser, **options):
    """A page in a fresh context; console errors and failed loads are collected."""
    page = browser.new_context(**options).new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("response", lambda r: r.status >= 400 and page.console_errors.append(f"{r.status} {r.url}"))
    return page


def study_rows(texts: dict[str, str] | None = None, prompts: int = 4) -> list[dict]:
    return [
        {
            "prompt_id": f"p{i}",
            "prompt": f"How do I make **tea** number {i}?",
            "system": s,
            "response": (texts or {}).get(
                s, f"Answer {i}{s[0]}: boil water, then\n\n1. add leaves\n2. wait\n\n```\nsteep(3)\n```"
            ),
        }
        for i in range(prompts)
        for s in ("LIMA", "GPT-4")
    ]


def test_a_prolific_rater_reads_votes_by_mouse_and_keyboard_hits_gold_and_gets_the_code(live_server, in_browser):
    study = open_study(
        systems=("LIMA", "GPT-4"),
        rows=study_rows(),
        slug="tea",
        quota=4,
        gold_rate=1.0,
        prolific_completion_url=f"{live_server.url}/healthz/",
    )
    GoldPairFactory(comparison=study.comparisons.first())

    def steps(browser) -> None:
        page = new_page(browser, viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/r/tea/?PROLIFIC_PID=5f00aa&STUDY_ID=st1&SESSION_ID=se1")
        assert "super-intelligent AI assistant" in page.inner_text("main")
        page.screenshot(path=SHOTS / "instructions.png", full_page=True)
        page.get_by_label("I have read the instructions").check()
        page.get_by_role("button", name="Start").click()

        page.wait_for_selector("text=1 of 4")
        assert page.is_visible("text=Keyboard:")
        page.screenshot(path=SHOTS / "vote-wide.png", full_page=True)
        page.get_by_label("Response A is significantly better").check()  # the mouse
        page.get_by_role("button", name="Submit and continue").click()

        at(page, "text=2 of 4")
        page.keyboard.press("2")  # the keyboard
        assert page.get_by_label("Response B is significantly better").is_checked()
        page.keyboard.press("Enter")

        at(page, "text=3 of 4")
        page.get_by_label("Why? (optional)").fill("Both are fine")
        page.keyboard.press("Enter")  # Enter in the rationale does not submit
        assert page.is_visible("text=3 of 4")
        page.keyboard.press("Tab")
        page.keyboard.press("3")
        page.keyboard.press("Enter")

        page.wait_for_selector("text=4 of 4")
        page.get_by_label("Neither is significantly better").check()
        page.get_by_role("button", name="Submit and continue").click()

        page.wait_for_selector("#completion-code")
        assert page.inner_text("#completion-code") == "C0DE42"
        page.screenshot(path=SHOTS / "done.png", full_page=True)
        assert page.console_errors == []  # no CSP violation, no missing asset on the rater pages
        page.wait_for_url("**/healthz/?cc=C0DE42", timeout=15000)  # the Prolific redirect

    in_browser(steps)
    rater = Rater.objects.get(external_id="5f00aa")
    votes = list(Vote.objects.filter(rater=rater).order_by("id"))
    assert [v.choice for v in votes] == ["left", "right", "tie", "tie"]
    assert votes[0].is_gold and not any(v.is_gold for v in votes[1:])
    assert votes[2].rationale == "Both are fine" and rater.prolific_session_id == "se1"


def at(page, text: str) -> None:
    """Wait until the page shows `text` and vote.js listens for the keyboard (it marks the form
    data-keys="ready"): a key pressed before the deferred script ran would be lost."""
    page.wait_for_selector(text)
    page.wait_for_selector("#vote-form[data-keys='ready']", state="attached")


def enter(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("I have read the instructions").check()
    page.get_by_role("button", name="Start").click()


def test_on_a_phone_the_responses_stack_and_fit_the_screen(live_server, in_browser):
    open_study(systems=("LIMA", "GPT-4"), rows=study_rows(), slug="tea")

    def steps(browser) -> dict:
        phone = new_page(
            browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
        )
        enter(phone, f"{live_server.url}/r/tea/?PROLIFIC_PID=phone1")
        phone.wait_for_selector("text=1 of 20")
        boxes = {
            "phone": [phone.locator("section.response").nth(i).bounding_box() for i in (0, 1)],
            "scroll_width": phone.evaluate("document.documentElement.scrollWidth"),
        }
        phone.screenshot(path=SHOTS / "vote-phone.png", full_page=True)
        phone.get_by_label("Response B is significantly better").tap()
        phone.get_by_role("button", name="Submit and continue").tap()
        phone.wait_for_selector("text=2 of 20")
        wide = new_page(browser, viewport={"width": 1280, "height": 900})
        enter(wide, f"{live_server.url}/r/tea/?PROLIFIC_PID=wide1")
        wide.wait_for_selector("text=1 of 20")
        boxes["wide"] = [wide.locator("section.response").nth(i).bounding_box() for i in (0, 1)]
        return boxes

    boxes = in_browser(steps)
    a, b = boxes["phone"]
    assert b["y"] >= a["y"] + a["height"] and abs(a["x"] - b["x"]) < 1  # stacked
    assert boxes["scroll_width"] <= 390  # nothing wider than the phone
    a, b = boxes["wide"]
    assert abs(a["y"] - b["y"]) < 1 and b["x"] > a["x"] + a["width"]  # side by side
    assert Vote.objects.get().choice == "right"


def test_the_form_works_without_javascript(live_server, in_browser):
    open_study(systems=("LIMA", "GPT-4"), rows=study_rows(), slug="tea", quota=2)

    def steps(browser) -> None:
        page = new_page(browser, java_script_enabled=False)
        enter(page, f"{live_server.url}/r/tea/?PROLIFIC_PID=nojs")
        page.get_by_label("Response A is significantly better").check()
        page.get_by_role("button", name="Submit and continue").click()
        page.wait_for_selector("text=2 of 2")

    in_browser(steps)
    assert Vote.objects.get().choice == "left"


def test_a_hostile_response_renders_inert(live_server, in_browser):
    hostile = (
        "<script>alert('script')</script>\n\n<img src=x onerror=\"alert('onerror')\">\n\n"
        "[click me](javascript:alert('link')) <a href=\"javascript:alert('raw')\">raw link</a>\n\n"
        '<iframe src="https://example.com"></iframe> <style>body{display:none}</style> '
        "![pixel](https://example.com/track.png) <svg onload=alert('svg')></svg>"
    )
    open_study(systems=("LIMA", "GPT-4"), rows=study_rows({"LIMA": hostile, "GPT-4": hostile}, prompts=1), slug="evil")

    def steps(browser) -> dict:
        page = new_page(browser)
        dialogs = []

        def on_dialog(dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        enter(page, f"{live_server.url}/r/evil/?PROLIFIC_PID=victim")
        page.wait_for_selector("text=1 of 20")
        page.locator("text=click me").first.click()
        page.wait_for_timeout(300)
        page.screenshot(path=SHOTS / "hostile.png", full_page=True)
        dom = page.evaluate("""() => ({
            handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
            jsLinks: [...document.querySelectorAll('a')].filter(a => a.href.startsWith('javascript:')).length,
            scripts: [...document.scripts].map(s => s.src),
            embedded: document.querySelectorAll('iframe, img, svg, style, object, embed').length,
        })""")
        return {
            **dom,
            "dialogs": dialogs,
            "url": page.url,
            "text": page.inner_text("section.response >> nth=0"),
            "errors": page.console_errors,
        }

    seen = in_browser(steps)
    assert seen["dialogs"] == [] and seen["errors"] == []
    assert seen["handlers"] == 0 and seen["jsLinks"] == 0 and seen["embedded"] == 0
    assert [src.rsplit("/", 1)[-1] for src in seen["scripts"]] == ["vote.js"]
    assert "<script>alert('script')</script>" in seen["text"]  # shown as text, not run
    assert seen["url"].endswith("/r/evil/vote/")
