"""Responses that reveal their author are flagged for the researcher and never reach raters
verbatim.

Against the code before this suite, "As an AI developed by OpenAI" reached raters as it was,
and nothing told the researcher (issue 10)."""

from __future__ import annotations

import pytest

from comparisons.models import Comparison, Response, Study
from comparisons.reveal import MASK, compile_patterns, find
from comparisons.services import comparisons_build
from raters import services
from raters.models import Coverage
from tests.comparisons.helpers import upload

pytestmark = pytest.mark.django_db

REVEALING = {
    "p0": "As an AI language model developed by OpenAI, I cannot browse.",
    "p1": "I'm Claude, and I would say tea.",
    "p2": "Bard here! Tea is lovely.",
    "p3": "The GPT-4 answer: green tea.",
}


def rows() -> list[dict]:
    out = []
    for i in range(6):
        pid = f"p{i}"
        out.append({"prompt_id": pid, "prompt": f"Which tea {i}?", "system": "Tulu", "response": f"Plain answer {i}."})
        out.append({"prompt_id": pid, "system": "GPT-4", "response": REVEALING.get(pid, f"Another answer {i}.")})
    return out


def make(api, slug: str = "rev"):
    body = {"name": "Reveal", "slug": slug, "design": "focal", "focal_system": "Tulu", "baselines": ["GPT-4"]}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    assert upload(api, slug, rows()).status_code == 201
    assert api.post(f"/api/studies/{slug}/open/").status_code == 200
    comparisons_build(study_id=Study.objects.get(slug=slug).pk)  # the worker's job after opening, done here


@pytest.mark.parametrize("text", [*REVEALING.values(), "I am an AI assistant, so", "trained by Meta AI"])
def test_the_patterns_find_names_makers_and_natures(text):
    found = find(text, compile_patterns(names=["GPT-4", "Tulu"]))
    assert found is not None and MASK in found.masked


def test_ordinary_text_and_lowercase_words_are_not_flagged():
    pattern = compile_patterns(names=["LIMA", "Tulu"])
    for text in ["Lima beans are tasty.", "Paris is the capital of France.", "I am an avid reader."]:
        assert find(text, pattern) is None, text


def test_revealing_responses_are_flagged_counted_and_listed_for_the_researcher(api):
    make(api)
    flagged = Response.objects.exclude(reveals=[])
    assert sorted(r.prompt.external_id for r in flagged) == ["p0", "p1", "p2", "p3"]
    assert api.get("/api/studies/rev/").json()["counts"]["revealing_responses"] == 4
    listed = api.get("/api/studies/rev/revealing/").json()["results"]
    assert {r["prompt_id"] for r in listed} == {"p0", "p1", "p2", "p3"}
    assert any("OpenAI" in " ".join(r["matches"]) for r in listed)
    page = api.get("/api/studies/rev/")  # the dashboard shows the same count
    assert page.status_code == 200


def test_raters_see_name_removed_by_default(api, client):
    make(api)
    client.get("/r/rev/?PROLIFIC_PID=5f00aa")
    client.post("/r/rev/instructions/", {"consent": "yes"})
    seen = []
    for _ in range(6):
        page = client.get("/r/rev/vote/").content.decode()
        seen.append(page)
        token = page.split('name="token" value="')[1].split('"')[0]
        client.post("/r/rev/vote/", {"token": token, "choice": "tie"})
    text = "\n".join(seen)
    for banned in ("OpenAI", "Claude", "Bard", "GPT-4"):
        assert banned not in text, banned
    assert text.count(MASK) >= 4


def test_a_hold_policy_keeps_revealing_pairs_out_of_the_queue(api):
    make(api)
    response = api.patch("/api/studies/rev/rater-settings/", {"reveal_policy": "hold"}, format="json")
    assert response.status_code == 200 and response.json()["reveal_policy"] == "hold"
    study_id = Comparison.objects.get(prompt__external_id="p0").study_id
    rater = services.rater_consent(
        rater=services.rater_enter_prolific(study=Comparison.objects.get(prompt__external_id="p0").study, pid="5f00bb")
    )
    served = []
    while (nxt := services.assignment_next(rater=rater)).state == "assigned":
        served.append(nxt.assignment.comparison.prompt.external_id)
        services.vote_submit(rater=rater, token=nxt.assignment.token, choice="tie")
    assert sorted(served) == ["p4", "p5"]
    assert not Coverage.objects.filter(study_id=study_id, comparison__prompt__external_id__in=list(REVEALING)).exists()
    api.patch("/api/studies/rev/rater-settings/", {"reveal_policy": "mask"}, format="json")
    assert Coverage.objects.filter(study_id=study_id).count() == 6
