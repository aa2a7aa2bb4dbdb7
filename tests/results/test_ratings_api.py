"""Rating and dialogue studies through the API alone: create, upload, open, rater pages and
vote import, results with grade shares and intervals, exports; bad input is a 400 naming the field."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.test import Client

from comparisons.models import Comparison, Study
from comparisons.services.queue import comparisons_build
from raters.models import Vote
from tests.comparisons.helpers import upload

pytestmark = pytest.mark.django_db
SCALE = ["Fail", "Pass", "Excellent"]
ANSWER = {"LIMA": "A careful answer", "Alpaca": "A sloppy answer"}
REPLY = {"LIMA": "Plain reply", "LIMA-dialogue": "Chained reply"}


def create(api, **fields) -> dict:
    body = {"name": "Rating study", "design": "rating", "systems": ["LIMA", "Alpaca"], **fields}
    return api.post("/api/studies/", body, format="json")


def open_study(api, slug: str) -> None:
    """Open the study and build its items now (the build is queued after the commit)."""
    assert api.post(f"/api/studies/{slug}/open/").status_code == 200
    comparisons_build(study_id=Study.objects.get(slug=slug).pk)


def import_votes(api, slug, rows):
    return api.post(f"/api/studies/{slug}/votes/import/", json.dumps(rows), content_type="application/json")


def rating_rows(prompts: int) -> list[dict]:
    return [
        {"prompt_id": f"p{i}", "prompt": f"Question {i}?", "system": s, "response": f"{ANSWER[s]} {i}.", "category": c}
        for i in range(prompts)
        for s, c in (("LIMA", "advice" if i % 2 else "knowledge"), ("Alpaca", "advice" if i % 2 else "knowledge"))
    ]


def dialogue_rows(conversations: int, turns: int) -> list[dict]:
    rows = []
    for i in range(conversations):
        for s in ("LIMA", "LIMA-dialogue"):
            reply = []
            for t in range(turns):
                reply.append({"role": "assistant", "content": f"{REPLY[s]} {t} of {i}"})
                if t + 1 < turns:
                    reply.append({"role": "user", "content": f"Follow-up {t} of {i}?"})
            rows.append({"prompt_id": f"c{i}", "prompt": f"Opening {i}?", "system": s, "response": reply})
    return rows


def enter(client: Client, slug: str, pid: str) -> str:
    assert client.get(f"/r/{slug}/?PROLIFIC_PID={pid}&STUDY_ID=S&SESSION_ID=X").status_code == 302
    page = client.post(f"/r/{slug}/instructions/", {"consent": "yes"}, follow=True).content.decode()
    return page


def token(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def test_a_rating_study_defaults_to_limas_scale_and_builds_one_item_per_response(api):
    response = create(api, slug="r")
    assert response.status_code == 201, response.json()
    assert response.json()["scale"] == SCALE and response.json()["design"] == "rating"
    assert upload(api, "r", rating_rows(4)).status_code == 201
    open_study(api, "r")
    opened = api.get("/api/studies/r/").json()
    assert opened["counts"]["comparisons"] == 8
    assert sorted(p["systems"][0] for p in opened["counts"]["comparisons_by_pair"]) == ["Alpaca", "LIMA"]
    assert Comparison.objects.filter(study__slug="r", right_response__isnull=True).count() == 8


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scale": ["Only"]}, "scale"),
        ({"scale": [str(i) for i in range(11)]}, "scale"),
        ({"scale": ["Good", "good"]}, "scale"),
        ({"scale": ["Bad", ""]}, "scale"),
        ({"scale": "Fail,Pass"}, "scale"),
        ({"both_bad": True}, "both_bad"),
        (
            {"design": "focal", "focal_system": "LIMA", "baselines": ["Alpaca"], "systems": None, "scale": SCALE},
            "scale",
        ),
    ],
)
def test_a_bad_study_is_a_400_naming_the_field(api, fields, field):
    response = create(api, **fields)
    assert response.status_code == 400
    assert any(e["field"] == field for e in response.json()["errors"]), response.json()


def test_a_rating_study_takes_text_responses_and_a_dialogue_study_turns(api):
    create(api, slug="r")
    api.post("/api/studies/", {"name": "D", "slug": "d", "design": "dialogue", "systems": ["LIMA"]}, format="json")
    refused = upload(api, "r", dialogue_rows(1, 2))
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "response"
    refused = upload(api, "d", rating_rows(1))
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "response"
    bad = [{"prompt_id": "c", "prompt": "Hi", "system": "LIMA", "response": [{"role": "user", "content": "x"}]}]
    refused = upload(api, "d", bad)
    assert refused.status_code == 400 and "assistant" in refused.json()["errors"][0]["reason"]


def test_raters_grade_through_the_pages_blind_and_the_results_show_shares(api):
    create(api, slug="r", votes_per_comparison=2)
    upload(api, "r", rating_rows(6))
    open_study(api, "r")
    api.patch("/api/studies/r/rater-settings/", {"quota": 12}, format="json")
    for pid in ("A", "B"):
        client = Client()
        page = enter(client, "r", pid)
        assert "Fail" in page and "does not meet the requirements" in client.get("/r/r/instructions/").content.decode()
        for _ in range(12):
            assert "LIMA" not in page and "Alpaca" not in page  # blind
            assert 'name="grade"' in page and "Response B" not in page
            system = "LIMA" if "careful answer" in page else "Alpaca"
            missing = client.post("/r/r/vote/", {"token": token(page), "choice": "grade"})
            assert missing.status_code == 400 and "choose a grade" in missing.content.decode()
            wrong = client.post("/r/r/vote/", {"token": token(page), "choice": "left"})
            assert wrong.status_code == 400
            answer = client.post(
                "/r/r/vote/", {"token": token(page), "choice": "grade", "grade": "2" if system == "LIMA" else "0"}
            )
            assert answer.status_code in (200, 302)
            page = answer.content.decode() if answer.status_code == 200 else ""
        assert page == ""  # the last vote redirects to the completion page
    assert Vote.objects.filter(choice="grade").count() == 24
    from results.services import results_refresh

    results_refresh(study_id=Study.objects.get(slug="r").pk)
    results = api.get("/api/studies/r/results/").json()
    assert results["pairs"] == [] and results["n_votes"] == 24
    by_system = {s["system"]: s for s in results["ratings"]["systems"]}
    assert by_system["LIMA"]["counts"] == {"Fail": 0, "Pass": 0, "Excellent": 12}
    assert by_system["Alpaca"]["counts"] == {"Fail": 12, "Pass": 0, "Excellent": 0}
    share = by_system["LIMA"]["shares"]["Excellent"]
    assert set(share) == {"estimate", "low", "high", "level", "method"} and share["estimate"] == 1.0
    assert 0 < share["low"] < 1 and share["high"] == 1.0
    assert results["ratings"]["agreement"]["krippendorff_alpha_ordinal"]["value"] == pytest.approx(1.0)
    assert results["ratings"]["tests"][0]["n_prompts"] == 6


def test_imported_grades_give_shares_intervals_tests_and_exports(api):
    create(api, slug="r", votes_per_comparison=5)
    upload(api, "r", rating_rows(20))
    open_study(api, "r")
    rows = []
    for i in range(20):
        for rater in ("r1", "r2"):
            rows.append({"prompt_id": f"p{i}", "system": "LIMA", "grade": SCALE[i % 3], "rater": rater})
            rows.append({"prompt_id": f"p{i}", "system": "Alpaca", "grade": 0 if i % 4 else 1, "rater": rater})
    response = import_votes(api, "r", rows)
    assert response.status_code == 201, response.json()
    assert import_votes(api, "r", rows).json()["unchanged"] == 80
    changed = [dict(rows[0], grade="Excellent")]
    assert import_votes(api, "r", changed).status_code == 409
    results = api.get("/api/studies/r/results/").json()
    lima = next(s for s in results["ratings"]["systems"] if s["system"] == "LIMA")
    assert lima["counts"] == {"Fail": 14, "Pass": 14, "Excellent": 12}
    assert lima["shares"]["Excellent"]["estimate"] == pytest.approx(12 / 40)
    assert lima["shares"]["Excellent"]["low"] < 0.3 < lima["shares"]["Excellent"]["high"]
    assert lima["n_prompts"] == 20 and "bootstrap clustered by prompt" in lima["shares"]["Fail"]["method"]
    assert lima["mean_score"]["estimate"] == pytest.approx((14 * 1 + 14 * 2 + 12 * 3) / 40)
    assert lima["votes_needed"]["still_needed"] > 0
    test = results["ratings"]["tests"][0]
    assert test["systems"] == ["LIMA", "Alpaca"] and test["p_holm"] < 0.05 and test["reject"]
    assert {c["category"] for c in results["ratings"]["by_category"]} == {"advice", "knowledge"}
    assert results["ratings"]["agreement"]["cohens_kappa_rater_pairs"][0]["kappa"] == pytest.approx(1.0)
    assert {r["rater"] for r in results["ratings"]["rater_severity"]} == {"r1", "r2"}
    text = b"".join(api.get("/api/studies/r/votes.csv").streaming_content).decode()
    exported = list(csv.DictReader(io.StringIO(text)))
    assert len(exported) == 80 and {r["grade_label"] for r in exported} == set(SCALE)
    assert all(r["right_system"] == "" and r["choice"] == "grade" for r in exported)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"prompt_id": "p0", "system": "LIMA", "grade": 3, "rater": "x"}, "grade"),
        ({"prompt_id": "p0", "system": "LIMA", "grade": "Superb", "rater": "x"}, "grade"),
        ({"prompt_id": "p0", "system": "LIMA", "grade": -1, "rater": "x"}, "grade"),
        ({"prompt_id": "p0", "system": "LIMA", "rater": "x"}, "grade"),
        ({"prompt_id": "p0", "system": "GPT-9", "grade": 1, "rater": "x"}, "system"),
        (
            {"prompt_id": "p0", "left_system": "LIMA", "right_system": "Alpaca", "choice": "left", "rater": "x"},
            "choice",
        ),
        ({"prompt_id": "p0", "system": "LIMA", "turn_grades": [1], "rater": "x"}, "turn_grades"),
    ],
)
def test_a_bad_grade_row_is_a_400_naming_the_field(api, row, field):
    create(api, slug="r")
    upload(api, "r", rating_rows(2))
    open_study(api, "r")
    response = import_votes(api, "r", [row])
    assert response.status_code == 400, response.json()
    assert response.json()["errors"][0]["field"] == field and response.json()["errors"][0]["row"] == 1


def test_a_grade_on_a_pairwise_study_is_a_400(api):
    api.post(
        "/api/studies/",
        {"name": "P", "slug": "p", "design": "all_pairs", "systems": ["LIMA", "Alpaca"]},
        format="json",
    )
    upload(api, "p", rating_rows(2))
    open_study(api, "p")
    response = import_votes(api, "p", [{"prompt_id": "p0", "system": "LIMA", "grade": 1, "rater": "x"}])
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "grade"


def test_a_dialogue_study_grades_each_turn_and_counts_turns_clustered_by_conversation(api):
    body = {"name": "Dialogues", "slug": "d", "design": "dialogue", "systems": ["LIMA", "LIMA-dialogue"]}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    assert upload(api, "d", dialogue_rows(4, 3)).status_code == 201
    open_study(api, "d")
    api.patch("/api/studies/d/rater-settings/", {"quota": 8}, format="json")
    client = Client()
    page = enter(client, "d", "P1")
    for _ in range(8):
        assert page.count('name="turn_') == 9  # three assistant turns, three grades each
        assert "Follow-up 0" in page and "LIMA" not in page  # blind
        tokens = {"token": token(page), "choice": "turns", "n_turns": "3"}
        partial = client.post("/r/d/vote/", {**tokens, "turn_0": "2", "turn_1": "2"})
        assert partial.status_code == 400 and "grade every turn" in partial.content.decode()
        tuned = "Chained reply" in page
        answer = client.post("/r/d/vote/", {**tokens, "turn_0": "2", "turn_1": "2" if tuned else "0", "turn_2": "1"})
        page = answer.content.decode() if answer.status_code == 200 else ""
    assert Vote.objects.filter(choice="turns").count() == 8
    imported = [
        {"prompt_id": f"c{i}", "system": "LIMA", "turn_grades": ["Excellent", "Fail", "Pass"], "rater": "imp"}
        for i in range(4)
    ]
    assert import_votes(api, "d", imported).status_code == 201
    short = [{"prompt_id": "c0", "system": "LIMA-dialogue", "turn_grades": [2, 2], "rater": "imp"}]
    refused = import_votes(api, "d", short)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "turn_grades"
    results = api.get("/api/studies/d/results/").json()
    assert results["ratings"]["unit"] == "turn" and results["ratings"]["cluster"] == "conversation"
    by_system = {s["system"]: s for s in results["ratings"]["systems"]}
    assert by_system["LIMA"]["counts"] == {"Fail": 8, "Pass": 8, "Excellent": 8}
    assert by_system["LIMA-dialogue"]["counts"] == {"Fail": 0, "Pass": 4, "Excellent": 8}
    assert by_system["LIMA"]["n_conversations"] == 4 and by_system["LIMA"]["n_units"] == 24
    share = by_system["LIMA"]["shares"]["Excellent"]
    assert share["low"] <= 1 / 3 <= share["high"]


@pytest.mark.parametrize(
    ("design", "systems", "outputs", "votes", "unit"),
    [
        ("rating", ["LIMA 65B", "GPT-4"], "rating_outputs", "rating_votes", "response"),
        ("dialogue", ["LIMA 65B", "LIMA 65B + dialogue"], "dialogue_outputs", "dialogue_votes", "turn"),
    ],
)
def test_the_example_files_load_and_give_results(api, design, systems, outputs, votes, unit):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    body = {"name": "Example", "slug": "ex", "design": design, "systems": systems}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    text = (examples / f"{outputs}.jsonl").read_text()
    assert api.post("/api/studies/ex/outputs/", text, content_type="application/x-ndjson").status_code == 201
    open_study(api, "ex")
    text = (examples / f"{votes}.jsonl").read_text()
    response = api.post("/api/studies/ex/votes/import/", text, content_type="application/x-ndjson")
    assert response.status_code == 201, response.json()
    results = api.get("/api/studies/ex/results/").json()
    assert results["ratings"]["unit"] == unit
    assert [s["system"] for s in results["ratings"]["systems"]] == systems
    assert all(sum(s["counts"].values()) > 0 for s in results["ratings"]["systems"])


def test_a_dialogue_that_names_its_author_is_masked_turn_by_turn_and_still_graded_by_turn(api):
    """Masking works on each turn's content, never on the stored JSON: a system named "content"
    (a key of every turn) and a turn that says who made it leave a dialogue raters can grade."""
    body = {"name": "Masked", "slug": "m", "design": "dialogue", "systems": ["content", "LIMA-dialogue"]}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    rows = dialogue_rows(1, 2)
    for row in rows:
        row["system"] = "content" if row["system"] == "LIMA" else row["system"]
        row["response"][0]["content"] = "As an AI language model developed by OpenAI, I can help."
    assert upload(api, "m", rows).status_code == 201
    from comparisons.grading import dialogue_turns
    from comparisons.models import Response

    for response in Response.objects.filter(prompt__study__slug="m"):
        turns = dialogue_turns(response.masked_text)
        assert turns is not None and len(turns) == 3, response.masked_text  # still a dialogue
        assert "OpenAI" not in response.masked_text and "[name removed]" in turns[0]["content"]
        assert any("OpenAI" in match for match in response.reveals)  # the researcher sees what was found
    open_study(api, "m")
    page = enter(Client(), "m", "P1")
    assert page.count('name="turn_') == 6 and "[name removed]" in page and "OpenAI" not in page
