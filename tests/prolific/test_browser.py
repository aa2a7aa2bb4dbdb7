"""Prolific raters in headless Chromium: from the study URL Prolific opens (our rater URL with
its placeholders filled in) to the redirect back to Prolific with our completion code; then a
sync approves them on the fake Prolific API and pauses the study, which needs nobody else."""

from __future__ import annotations

import pytest

from prolific.models import Submission
from prolific.services import link_set, prolific_sync, study_url
from raters.models import Vote
from tests.prolific.conftest import TOKEN
from tests.prolific.helpers import CODE, fast_client
from tests.raters.conftest import open_study
from tests.raters.test_browser import SHOTS, in_browser, new_page  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_prolific_raters_walk_from_the_study_url_to_the_redirect_and_a_sync_approves_them(
    live_server,
    in_browser,  # noqa: F811
    fake,
):
    study = open_study(
        4,
        slug="tea",
        votes_per_comparison=1,
        quota=2,
        completion_code=CODE,
        min_median_seconds=0.0,
        prolific_completion_url=f"{fake.url}/submissions/complete",
    )
    rater_url = f"{live_server.url}/r/tea/"
    fake.add_study("PS1", url=study_url(rater_url), code=CODE, places=1)
    link = link_set(study=study, prolific_study_id="PS1", rater_url=rater_url, client=fast_client())
    assert prolific_sync(link_id=link.pk, client=fast_client())["target_places"] == 2
    people = {pid: fake.participant_starts("PS1", pid) for pid in ["5f00aa", "5f00bb"]}
    opened = {
        pid: fake.studies["PS1"]["external_study_url"]
        .replace("{{%PROLIFIC_PID%}}", pid)
        .replace("{{%STUDY_ID%}}", "PS1")
        .replace("{{%SESSION_ID%}}", sid)
        for pid, sid in people.items()
    }

    def steps(browser) -> list[str]:
        seen = []
        for pid, url in opened.items():
            page = new_page(browser, viewport={"width": 1280, "height": 900})
            page.goto(url)
            page.get_by_label("I have read the instructions").check()
            page.get_by_role("button", name="Start").click()
            for n in (1, 2):
                page.wait_for_selector(f"text={n} of 2")
                page.get_by_label("Response A is significantly better").check()
                page.get_by_role("button", name="Submit and continue").click()
            page.wait_for_selector("#completion-code")
            page.wait_for_url(f"{fake.url}/submissions/complete?cc={CODE}", timeout=15000)
            page.screenshot(path=SHOTS / f"prolific-{pid}.png")
            seen.append(page.content())
            assert page.console_errors == []
        return seen

    pages = in_browser(steps)
    assert fake.completions == [CODE, CODE] and all(TOKEN not in p for p in pages)
    assert Vote.objects.count() == 4
    for sid in people.values():  # Prolific marks the redirected participants done
        fake.participant_completes(sid, fake.completions[0])
    summary = prolific_sync(link_id=link.pk, client=fast_client())
    assert summary["approved"] == 2 and summary["votes_needed"] == 0 and summary.get("paused")
    assert {fake.submissions[sid]["status"] for sid in people.values()} == {"APPROVED"}
    assert fake.studies["PS1"]["status"] == "PAUSED"
    assert set(Submission.objects.values_list("decision", flat=True)) == {"approve"}
