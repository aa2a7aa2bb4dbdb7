"""Per-turn studies (issue 16): two systems' dialogue continuations compared turn by turn,
through the API alone: create, upload, open, vote on the rater pages and by import, results
with per-turn shares and conversation-clustered intervals, exports, attention checks; bad input
is a 400 naming the field; the columns path and the row path agree."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from django.test import Client

from comparisons.models import Response, Study
from raters.models import Rater, Vote
from results.selectors import VoteFilter, vote_load, vote_load_rows
from results.services import results_refresh
from tests.comparisons.helpers import upload
from tests.results.test_loading import FILTERS, assert_same_everywhere
from tests.results.test_ratings_api import enter, import_votes, open_study, token

pytestmark = pytest.mark.django_db
REPLY = {"LIMA": "Careful reply", "Alpaca": "Sloppy reply", "Bard": "Middling reply"}


def create(api, **fields) -> dict:
    body = {
        "name": "Per-turn study",
        "design": "focal",
        "focal_system": "LIMA",
        "baselines": ["Alpaca"],
        "per_turn": True,
        **fields,
    }
    return api.post("/api/studies/", body, format="json")


def continuation(system: str, i: int, turns: int) -> list[dict]:
    reply = []
    for t in range(turns):
        reply.append({"role": "assistant", "content": f"{REPLY[system]} {t} of {i}."})
        if t + 1 < turns:
            reply.append({"role": "user", "content": f"Follow-up {t} of {i}?"})
    return reply


def turn_rows(conversations: int, turns: int, systems=("LIMA", "Alpaca")) -> list[dict]:
    return [
        {"prompt_id": f"c{i}", "prompt": f"Opening {i}?", "system": s, "response": continuation(s, i, turns)}
        for i in range(conversations)
        for s in systems
    ]


def side_of(page: str, system: str, turn: int) -> str:
    """Which side ("left" / "right") shows `system`'s reply in `turn` (1-based) of the page."""
    text = page.index(f"{REPLY[system]} {turn - 1} of")
    return "left" if text < page.index(f"Response B, turn {turn}") else "right"


def pair(results: dict) -> dict:
    (only,) = results["pairs"]
    return only


def test_a_per_turn_study_is_created_and_its_responses_must_be_continuations(api):
    response = create(api, slug="t")
    assert response.status_code == 201, response.json()
    assert response.json()["per_turn"] is True and response.json()["design"] == "focal"
    text = [{"prompt_id": "c", "prompt": "Hi", "system": "LIMA", "response": "plain"}]
    refused = upload(api, "t", text)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "response"
    assert upload(api, "t", turn_rows(2, 2)).status_code == 201
    open_study(api, "t")
    assert api.get("/api/studies/t/").json()["counts"]["comparisons"] == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"design": "rating", "systems": ["LIMA"], "focal_system": None, "baselines": None}, "per_turn"),
        ({"design": "dialogue", "systems": ["LIMA"], "focal_system": None, "baselines": None}, "per_turn"),
    ],
)
def test_per_turn_on_a_rating_study_is_a_400_naming_it(api, fields, field):
    response = create(api, **fields)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_continuations_that_cannot_be_compared_turn_by_turn_are_a_400_naming_the_prompt(api):
    create(api, slug="t")
    rows = turn_rows(3, 2)
    rows[3] = {**rows[3], "response": continuation("Alpaca", 1, 3)}  # c1: 3 assistant turns against 2
    refused = upload(api, "t", rows)
    assert refused.status_code == 400, refused.json()
    errors = refused.json()["errors"]
    assert {e["field"] for e in errors} == {"response"} and all("'c1'" in e["reason"] for e in errors)
    assert "3 assistant turns against 2" in errors[0]["reason"] or "2 assistant turns against 3" in errors[0]["reason"]
    assert not Response.objects.exists()  # nothing stored
    assert upload(api, "t", turn_rows(3, 2)[:3]).status_code == 201  # c0 and c1 of LIMA ... c1 later
    other_user_turn = continuation("Alpaca", 1, 2)
    other_user_turn[1] = {"role": "user", "content": "Something else?"}
    late = upload(api, "t", [{"prompt_id": "c1", "system": "Alpaca", "response": other_user_turn}])
    assert late.status_code == 400 and "user turn 1 differs" in late.json()["errors"][0]["reason"]
    assert late.json()["errors"][0]["row"] == 1


def test_the_build_skips_and_names_a_stored_pair_whose_continuations_differ(api):
    create(api, slug="t")
    upload(api, "t", turn_rows(3, 2))
    changed = Response.objects.get(prompt__external_id="c2", system__name="Alpaca")
    changed.text = json.dumps(continuation("Alpaca", 2, 1))  # stored before the upload's check (say)
    changed.save()
    open_study(api, "t")
    report = api.get("/api/studies/t/").json()["queue_report"]
    assert report["total"] == 2 and report["incompatible"] == [{"prompt_id": "c2", "systems": ["LIMA", "Alpaca"]}]


def test_raters_choose_per_turn_on_the_pages_blind_and_results_give_per_turn_shares(api):
    create(api, slug="t", votes_per_comparison=2, both_bad=True)
    upload(api, "t", turn_rows(6, 2))
    open_study(api, "t")
    api.patch("/api/studies/t/rater-settings/", {"quota": 6}, format="json")
    sides_seen = set()
    for pid in ("A", "B"):
        client = Client()
        page = enter(client, pid=pid, slug="t")
        for _ in range(6):
            assert "LIMA" not in page and "Alpaca" not in page  # blind
            assert "Response A, turn 2" in page and 'name="turn_1"' in page and "Follow-up 0 of" in page
            assert page.count("Follow-up 0 of") == 1  # the shared user turn is shown once
            lima = side_of(page, "LIMA", 1)
            sides_seen.add(lima)
            assert side_of(page, "LIMA", 2) == lima
            missing = client.post(
                "/r/t/vote/", {"token": token(page), "choice": "per_turn", "n_turns": "2", "turn_0": lima}
            )
            assert missing.status_code == 400
            assert (
                "Please choose an answer for the assistant&#x27;s turn 2 before you continue"
                in missing.content.decode()
            )
            assert f'value="{lima}" required checked' in missing.content.decode()  # the answer is kept
            plain = client.post("/r/t/vote/", {"token": token(page), "choice": "left"})
            assert plain.status_code == 400
            answer = client.post(
                "/r/t/vote/",
                {"token": token(page), "choice": "per_turn", "n_turns": "2", "turn_0": lima, "turn_1": "both_bad"},
            )
            assert answer.status_code in (200, 302)
            page = answer.content.decode() if answer.status_code == 200 else ""
        assert page == ""
    assert sides_seen == {"left", "right"}  # sides are randomized
    votes = Vote.objects.filter(choice="per_turn")
    assert votes.count() == 12 and {v.winner.name for v in votes} == {"LIMA"}  # the majority of turns
    assert {tuple(v.turn_choices[1:]) for v in votes} == {("both_bad",)}
    results_refresh(study_id=Study.objects.get(slug="t").pk)
    p = pair(api.get("/api/studies/t/results/").json())
    assert p["systems"] == ["LIMA", "Alpaca"] and p["unit"] == "turn"
    assert p["counts"]["n"] == 24 and p["counts"]["wins"] == 12 and p["counts"]["losses"] == 0
    outcomes = p["outcomes"]
    assert outcomes["unit"] == "turn" and (outcomes["wins"], outcomes["both_bad"]) == (12, 12)
    assert outcomes["intervals"]["both_bad_share"]["low"] < 0.5 < outcomes["intervals"]["both_bad_share"]["high"]
    assert p["intervals"]["bootstrap"]["n_prompts"] == 6  # clustered by conversation
    assert p["need"]["votes"] == 0  # 12 votes of 6 comparisons x 2: the design is done, in votes


def import_rows(conversations: int, raters=("r1", "r2", "r3")) -> list[dict]:
    """LIMA wins turn 0 of every conversation; turn 1 goes to Alpaca on every third, else a tie."""
    rows = []
    for i in range(conversations):
        for rater in raters:
            second = "right" if i % 3 == 0 else "tie"
            rows.append(
                {
                    "prompt_id": f"c{i}",
                    "left_system": "LIMA",
                    "right_system": "Alpaca",
                    "turn_choices": ["left", second],
                    "rater": rater,
                }
            )
    return rows


def test_imported_per_turn_votes_give_shares_intervals_and_exports(api):
    create(api, slug="t", votes_per_comparison=3)
    upload(api, "t", turn_rows(30, 2))
    open_study(api, "t")
    rows = import_rows(30)
    response = import_votes(api, "t", rows)
    assert response.status_code == 201, response.json()
    assert import_votes(api, "t", rows).json()["unchanged"] == 90
    flipped = [{**rows[0], "left_system": "Alpaca", "right_system": "LIMA", "turn_choices": ["right", "left"]}]
    assert import_votes(api, "t", flipped).json()["unchanged"] == 1  # the same vote, sides the other way
    changed = [{**rows[0], "turn_choices": ["left", "left"]}]
    assert import_votes(api, "t", changed).status_code == 409
    results = api.get("/api/studies/t/results/").json()
    p = pair(results)
    assert p["counts"] == {**p["counts"], "n": 180, "wins": 90, "losses": 30, "ties": 60}
    assert results["headline_votes"] == 90  # votes, not their 180 turns
    from results.services import results_refresh

    results_refresh(study_id=Study.objects.get(slug="t").pk)  # the breakdown is computed with the snapshot
    (group,) = api.get("/api/studies/t/results/?by=category").json()["breakdown"]["groups"]
    assert group["headline_votes"] == 90 and group["pairs"][0]["counts"]["n"] == 180
    boot = p["intervals"]["bootstrap"]
    assert boot["n_prompts"] == 30
    assert boot["win_share"]["estimate"] == pytest.approx(0.5)  # every conversation: 3 of its 6 turns
    assert boot["loss_share"]["low"] < 1 / 6 < boot["loss_share"]["high"]  # 10 conversations of 30 lose one turn
    assert boot["loss_share"]["high"] - boot["loss_share"]["low"] < 0.3
    seq = p["intervals"]["sequential"]
    assert seq["win_rate"]["low"] <= seq["win_rate"]["estimate"] <= seq["win_rate"]["high"]
    csv_text = b"".join(api.get("/api/studies/t/votes.csv").streaming_content).decode()
    exported = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(exported) == 90 and {json.loads(r["turn_choices"])[0] for r in exported} <= {"left", "right"}
    split = next(r for r in exported if r["prompt_id"] == "c0")  # one turn each: no majority
    assert split["choice"] == "per_turn" and split["winner"] == "" and split["left_outcome"] == "tie"
    won = next(r for r in exported if r["prompt_id"] == "c1")
    assert won["winner"] == "LIMA" and (won["left_outcome"], won["right_outcome"]) == ("win", "loss")
    lines = [
        json.loads(x) for x in b"".join(api.get("/api/studies/t/votes.jsonl").streaming_content).decode().splitlines()
    ]
    assert all(isinstance(line["turn_choices"], list) and len(line["turn_choices"]) == 2 for line in lines)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"turn_choices": ["left"]}, "turn_choices", "list of 2 choices"),
        ({"turn_choices": ["left", "right", "tie"]}, "turn_choices", "list of 2 choices"),
        ({"turn_choices": ["left", "maybe"]}, "turn_choices", "'maybe'"),
        ({"turn_choices": ["left", "both_bad"]}, "turn_choices", "not one of left, right, tie"),
        ({"turn_choices": []}, "turn_choices", "non-empty"),
        ({"turn_choices": ["left", "tie"], "choice": "left"}, "choice", "not choice"),
        ({"turn_choices": None, "choice": "left"}, "turn_choices", "compares each assistant turn"),
    ],
)
def test_a_bad_per_turn_import_row_is_a_400_naming_the_field(api, change, field, words):
    create(api, slug="t")
    upload(api, "t", turn_rows(2, 2))
    open_study(api, "t")
    row = {**import_rows(1, raters=("r1",))[0], **change}
    row = {k: v for k, v in row.items() if v is not None}
    response = import_votes(api, "t", [row])
    assert response.status_code == 400, response.json()
    error = response.json()["errors"][0]
    assert error["field"] == field and words in error["reason"], error
    assert not Vote.objects.exists()


def test_turn_choices_on_a_study_that_does_not_compare_turns_is_a_400(api):
    api.post(
        "/api/studies/",
        {"name": "P", "slug": "p", "design": "focal", "focal_system": "LIMA", "baselines": ["Alpaca"]},
        format="json",
    )
    upload(api, "p", [{"prompt_id": "c0", "prompt": "Hi", "system": s, "response": f"{s} says hi"} for s in REPLY])
    open_study(api, "p")
    row = {"prompt_id": "c0", "left_system": "LIMA", "right_system": "Alpaca", "turn_choices": ["left"], "rater": "r"}
    response = import_votes(api, "p", [row])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "turn_choices"
    assert "per_turn is off" in response.json()["errors"][0]["reason"]


def test_the_columns_path_and_the_row_path_agree_on_a_per_turn_study(api, monkeypatch):
    create(api, slug="t", focal_system="LIMA", baselines=["Alpaca", "Bard"], both_bad=True)
    upload(api, "t", turn_rows(12, 3, systems=("LIMA", "Alpaca", "Bard")))
    open_study(api, "t")
    rows = []
    for i in range(12):
        for rater, group in (("r1", "crowd"), ("r2", "crowd"), ("j", "judge")):
            for other in ("Alpaca", "Bard"):
                choices = ["left", "both_bad", "tie"] if (i + len(rater)) % 2 else ["right", "left", "left"]
                rows.append(
                    {
                        "prompt_id": f"c{i}",
                        "left_system": "LIMA" if i % 2 else other,
                        "right_system": other if i % 2 else "LIMA",
                        "turn_choices": choices,
                        "rater": rater,
                        "rater_group": group,
                    }
                )
    assert import_votes(api, "t", rows).status_code == 201
    study = Study.objects.get(slug="t")
    Rater.objects.filter(study=study, external_id="r2").update(excluded=True)
    n = assert_same_everywhere(study, monkeypatch, FILTERS)
    assert n == 12 * 2 * 2 * 3  # people's turns: 12 prompts x 2 pairs x r1 and judge x 3 turns
    for f in FILTERS:
        rows_table, cols_table = vote_load_rows(study, f).table, vote_load(study, f).table
        assert np.array_equal(rows_table.turn, cols_table.turn) and np.array_equal(rows_table.bad(), cols_table.bad())
    table = vote_load(study, VoteFilter()).table
    assert table.turn is not None and sorted(set(table.turn.tolist())) == [0, 1, 2]
    assert len(set(table.comparison.tolist())) == 12 * 2 * 3  # one unit per (comparison, turn)


def test_an_attention_check_breaks_every_turn_and_expects_the_other_side(api):
    create(api, slug="t", votes_per_comparison=1)
    upload(api, "t", turn_rows(3, 2))
    open_study(api, "t")
    made = api.post("/api/studies/t/attention-checks/", {"count": 1}, format="json")
    assert made.status_code == 201, made.json()
    check = Response.objects.get(system__name="(attention check)")
    turns = json.loads(check.text)
    assert [t["role"] for t in turns] == ["assistant", "user", "assistant"]
    assert all("choose the other response" in t["content"] for t in turns if t["role"] == "assistant")
    api.patch("/api/studies/t/rater-settings/", {"quota": 4, "gold_rate": 1.0}, format="json")
    client = Client()
    page = enter(client, pid="A", slug="t")
    assert "This is an attention check, not an answer" in page and "(attention check)" not in page
    broken = "left" if page.index("attention check, not") < page.index("Response B, turn 1") else "right"
    answer = client.post(
        "/r/t/vote/", {"token": token(page), "choice": "per_turn", "n_turns": "2", "turn_0": broken, "turn_1": broken}
    )
    assert answer.status_code in (200, 302)
    vote = Vote.objects.get(rater__external_id="A")
    assert vote.is_gold and vote.turn_choices == [broken, broken]
    assert vote.winner.name == "(attention check)"
    assert "failed_checks" in api.get("/api/studies/t/raters/").json()[0]["stats"]["flags"]


def test_the_example_files_load_and_give_per_turn_results(api):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    body = {"name": "Example", "slug": "ex", "design": "all_pairs", "systems": ["LIMA 65B", "Alpaca 65B"]}
    assert api.post("/api/studies/", {**body, "per_turn": True}, format="json").status_code == 201
    text = (examples / "per_turn_outputs.jsonl").read_text()
    assert api.post("/api/studies/ex/outputs/", text, content_type="application/x-ndjson").status_code == 201
    open_study(api, "ex")
    text = (examples / "per_turn_votes.jsonl").read_text()
    response = api.post("/api/studies/ex/votes/import/", text, content_type="application/x-ndjson")
    assert response.status_code == 201, response.json()
    p = pair(api.get("/api/studies/ex/results/").json())
    assert p["unit"] == "turn" and p["intervals"]["bootstrap"]["n_prompts"] == 3
    lima_first = p["systems"] == ["LIMA 65B", "Alpaca 65B"]
    wins, losses = (
        (p["counts"]["wins"], p["counts"]["losses"]) if lima_first else (p["counts"]["losses"], p["counts"]["wins"])
    )
    assert (wins, losses, p["counts"]["ties"], p["counts"]["n"]) == (8, 2, 4, 14)


def test_an_attention_check_is_passed_only_when_every_turn_is_right(api):
    """Two of three turns right is a majority for the other side, yet a failed check: a rater who
    answers one turn at random is not attentive. The raters API and the dashboard's digest agree."""
    from dashboard.selectors import rater_rows, study_snapshots

    create(api, slug="t", votes_per_comparison=1)
    upload(api, "t", turn_rows(3, 3))
    open_study(api, "t")
    assert api.post("/api/studies/t/attention-checks/", {"count": 1}, format="json").status_code == 201
    api.patch("/api/studies/t/rater-settings/", {"quota": 4, "gold_rate": 1.0}, format="json")
    client = Client()
    page = enter(client, pid="A", slug="t")
    broken = "left" if page.index("attention check, not") < page.index("Response B, turn 1") else "right"
    good = {"left": "right", "right": "left"}[broken]
    answers = {"turn_0": good, "turn_1": good, "turn_2": broken}
    client.post("/r/t/vote/", {"token": token(page), "choice": "per_turn", "n_turns": "3", **answers})
    vote = Vote.objects.get(rater__external_id="A")
    assert vote.is_gold and vote.winner.name != "(attention check)"  # the majority of turns is right ...
    (rater,) = api.get("/api/studies/t/raters/").json()
    assert rater["stats"]["gold_votes"] == 1 and rater["stats"]["gold_correct"] == 0  # ... the check is not
    assert "failed_checks" in rater["stats"]["flags"]
    study = Study.objects.get(slug="t")
    results_refresh(study_id=study.pk)
    _results, digest, _stale = study_snapshots(study)
    (row,) = [r for r in rater_rows(study, digest) if r["rater"].external_id == "A"]
    assert (row["stats"].gold_votes, row["stats"].gold_correct) == (1, 0)
