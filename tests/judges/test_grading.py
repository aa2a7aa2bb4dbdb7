"""LLM graders on rating and dialogue studies, against the fake endpoint on loopback: one call per
item, strict grades, votes of the group "judge" through the one builder, retries and cost as any
judge call, the results' ratings with the judge beside the humans, and 400s naming the field."""

from __future__ import annotations

import json
import re

import pytest

from comparisons.models import Study
from judges import services
from judges.selectors import judge_status
from raters.models import Vote
from tests.judges.fake_llm import Reply, Seen
from tests.judges.helpers import calls, make_judge, post_votes, run_all
from tests.results.test_ratings_api import dialogue_rows, rating_rows

pytestmark = pytest.mark.django_db


def rating_study(api, *, slug: str = "g", prompts: int = 4, **fields) -> Study:
    body = {"name": "Graded", "slug": slug, "design": "rating", "systems": ["LIMA", "Alpaca"], **fields}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    assert api.post(f"/api/studies/{slug}/outputs/", rating_rows(prompts), format="json").status_code == 201
    assert api.post(f"/api/studies/{slug}/open/").status_code == 200
    return Study.objects.get(slug=slug)


def dialogue_study(api, *, slug: str = "d", conversations: int = 2, turns: int = 3) -> Study:
    body = {"name": "Dialogues", "slug": slug, "design": "dialogue", "systems": ["LIMA", "LIMA-dialogue"]}
    assert api.post("/api/studies/", body, format="json").status_code == 201
    rows = dialogue_rows(conversations, turns)
    assert api.post(f"/api/studies/{slug}/outputs/", rows, format="json").status_code == 201
    assert api.post(f"/api/studies/{slug}/open/").status_code == 200
    return Study.objects.get(slug=slug)


def response_of(seen: Seen) -> str:
    match = re.search(r"\[Response\]\n(.*?)\n\nGrade the response", seen.prompt, re.DOTALL)
    assert match, seen.prompt
    return match.group(1)


def grade_by_text(seen: Seen) -> Reply:
    """Excellent for LIMA's careful answers, Fail for Alpaca's sloppy ones."""
    return Reply(content=json.dumps({"grade": "Excellent" if "careful" in response_of(seen) else "Fail"}))


def votes_of(judge):
    return Vote.objects.filter(rater=judge.rater).select_related("shown_left__system")


def test_a_grader_sends_one_call_per_response_and_writes_grade_votes_of_the_judge_group(api, fake_llm):
    fake_llm.respond = grade_by_text
    judge = make_judge(rating_study(api, prompts=4), fake_llm)
    assert judge.order_policy == "none" and "[Response]" in judge.prompt_template
    assert run_all(judge) == ["done"] * 8 and len(fake_llm.requests) == 8
    prompt = fake_llm.requests[0].prompt
    assert "1. Fail: the response does not meet the requirements of the prompt." in prompt
    assert "[Response A]" not in prompt and "LIMA" not in prompt and "Alpaca" not in prompt  # blind
    votes = list(votes_of(judge))
    assert len(votes) == 8 and {v.choice for v in votes} == {"grade"}
    assert all(v.shown_right_id is None and v.winner_id is None and not v.imported for v in votes)
    assert sorted((v.shown_left.system.name, v.grade) for v in votes) == [("Alpaca", 0)] * 4 + [("LIMA", 2)] * 4
    assert {v.rater.group for v in votes} == {"judge"}
    status = judge_status(judge)
    assert status["grades"] == {"Fail": 4, "Pass": 0, "Excellent": 4} and status["votes"] == 8
    assert status["order_disagreements"] == 0
    assert services.judge_queue(judge=judge, dispatch=False) == [] and len(fake_llm.requests) == 8


def test_a_custom_scale_is_listed_in_order_and_its_labels_or_numbers_are_read(api, fake_llm):
    scale = ["Poor", "Okay", "Good", "Great"]
    fake_llm.push(Reply(content="okay"), Reply(content="4"), Reply(content='{"grade": "Good"}'))
    fake_llm.respond = lambda seen: Reply(content="Poor.")
    judge = make_judge(rating_study(api, prompts=2, scale=scale), fake_llm)
    run_all(judge)
    assert "2. Okay\n3. Good\n4. Great" in fake_llm.requests[0].prompt and "Fail" not in fake_llm.requests[0].prompt
    assert sorted(votes_of(judge).values_list("grade", flat=True)) == [0, 1, 2, 3]


def test_an_answer_naming_no_label_is_unparseable_with_its_reason_and_no_vote(api, fake_llm):
    fake_llm.push(Reply(content="Somewhere between Pass and Excellent."), Reply(content='{"grade": "Superb"}'))
    fake_llm.respond = lambda seen: Reply(content="Pass")
    judge = make_judge(rating_study(api, prompts=2), fake_llm)
    assert sorted(run_all(judge)) == ["done", "done", "unparseable", "unparseable"]
    bad = calls(judge, state="unparseable")
    assert {c.error for c in bad} == {
        "unparseable: 'Somewhere between Pass and Excellent.' is not one of the scale's labels (Fail, Pass, Excellent)",
        "unparseable: 'Superb' is not one of the scale's labels (Fail, Pass, Excellent)",
    }
    assert all(c.grades is None and c.raw_answer for c in bad)
    assert votes_of(judge).count() == 2 and set(votes_of(judge).values_list("grade", flat=True)) == {1}
    status = judge_status(judge)
    assert status["unparseable"] == 2 and status["grades"]["Pass"] == 2
    assert services.judge_queue(judge=judge, dispatch=False) == []  # never asked again: no guess, no retry


def test_a_retryable_failure_of_a_grader_is_retried_and_its_tokens_and_cost_counted(api, fake_llm):
    fake_llm.push(Reply(status=503), Reply(status=429, headers={"Retry-After": "0"}))
    fake_llm.respond = lambda seen: Reply(content='{"grade": "Pass"}', usage=(1000, 100))
    judge = make_judge(
        rating_study(api, prompts=1), fake_llm, max_attempts=2, price_prompt_per_1k="0.5", price_completion_per_1k="1"
    )
    assert sorted(run_all(judge)) == ["done", "failed"]
    assert calls(judge, state="failed").get().retryable and votes_of(judge).count() == 1
    assert run_all(judge) == ["done"] and votes_of(judge).count() == 2
    status = judge_status(judge)
    assert status["requests"] == 4 and status["cost"] == "1.200000"  # 2 answers x (0.5 + 0.1)


def dialogue_grades(seen: Seen) -> Reply:
    """One grade per numbered assistant turn: Excellent for LIMA-dialogue's chained replies."""
    turns = re.findall(r"\[Assistant, turn \d+\]\n(.*)", seen.prompt)
    return Reply(content=json.dumps({"grades": ["Excellent" if "Chained" in t else "Pass" for t in turns]}))


def test_a_dialogue_grader_grades_every_assistant_turn_and_a_wrong_count_writes_nothing(api, fake_llm):
    fake_llm.push(Reply(content='{"grades": ["Pass", "Pass"]}'))
    fake_llm.respond = dialogue_grades
    judge = make_judge(dialogue_study(api, conversations=2, turns=3), fake_llm)
    assert sorted(run_all(judge)) == ["done"] * 3 + ["unparseable"]
    assert "exactly 3 grades" in fake_llm.requests[0].prompt and "[Assistant, turn 3]" in fake_llm.requests[0].prompt
    wrong = calls(judge, state="unparseable").get()
    assert wrong.error == "unparseable: 2 grades for 3 assistant turns: one per turn is needed"
    votes = list(votes_of(judge))
    assert len(votes) == 3 and {v.choice for v in votes} == {"turns"}
    expected = {"LIMA": [1, 1, 1], "LIMA-dialogue": [2, 2, 2]}
    assert all(v.turn_grades == expected[v.shown_left.system.name] and v.grade is None for v in votes)
    grades = judge_status(judge)["grades"]
    assert grades["Fail"] == 0 and sum(grades.values()) == 9  # three answered conversations, three turns each


def test_the_ratings_show_the_judge_beside_the_humans_and_their_agreement(api, fake_llm):
    fake_llm.respond = grade_by_text
    study = rating_study(api, prompts=6)
    run_all(make_judge(study, fake_llm))
    crowd = []
    for i in range(6):
        for rater in ("r1", "r2"):
            # r1 agrees with the judge everywhere; r2 calls LIMA's answers on p0 and p1 a Pass.
            lima = "Pass" if rater == "r2" and i < 2 else "Excellent"
            crowd.append({"prompt_id": f"p{i}", "system": "LIMA", "grade": lima, "rater": rater})
            crowd.append({"prompt_id": f"p{i}", "system": "Alpaca", "grade": "Fail", "rater": rater})
    assert post_votes(api, "g", crowd).status_code == 201
    results = api.get("/api/studies/g/results/").json()
    ratings = results["ratings"]
    assert results["n_votes"] == 36 and ratings["headline_votes"] == 24  # the judge is not in the headline
    lima = {s["system"]: s for s in ratings["systems"]}["LIMA"]
    assert lima["counts"] == {"Fail": 0, "Pass": 2, "Excellent": 10}
    judge_lima = {s["system"]: s for s in ratings["by_group"]["judge"]}["LIMA"]
    assert judge_lima["counts"] == {"Fail": 0, "Pass": 0, "Excellent": 6}
    assert {s["system"]: s for s in ratings["by_group"]["crowd"]}["LIMA"]["n_units"] == 12
    [entry] = ratings["judges"]
    assert entry["group"] == "judge" and entry["n_units"] == 12 and entry["n_pairs"] == 24
    assert entry["exact_agreement"] == pytest.approx(22 / 24)
    assert entry["within_one"] == 1.0 and entry["mean_difference"] == pytest.approx(2 / 24)
    assert 0.8 < entry["weighted_kappa_quadratic"] < 1.0
    assert entry["humans_exact_agreement"] == pytest.approx(10 / 12) and entry["humans_n_pairs"] == 12
    alone = api.get("/api/studies/g/results/?rater_group=judge").json()
    assert alone["n_votes"] == 12 and alone["ratings"]["judges"] == []


def test_what_a_grader_cannot_do_is_a_400_naming_the_field(api, fake_llm):
    rating_study(api)
    base = {"name": "g4", "base_url": fake_llm.url, "model": "gpt-4"}
    both = api.post("/api/studies/g/judges/", {**base, "order_policy": "both"}, format="json")
    assert both.status_code == 400 and both.json()["errors"][0]["field"] == "order_policy"
    pairwise = api.post(
        "/api/studies/g/judges/", {**base, "prompt_template": "$prompt\nA: $response_a\nB: $response_b"}, format="json"
    )
    assert pairwise.status_code == 400
    assert {e["field"] for e in pairwise.json()["errors"]} == {"prompt_template"}
    created = api.post("/api/studies/g/judges/", base, format="json")
    assert created.status_code == 201 and created.json()["order_policy"] == "none"
    orders = api.get("/api/studies/g/judges/g4/orders/")
    assert orders.status_code == 400 and orders.json()["errors"][0]["field"] == "order_policy"
    assert api.post("/api/studies/g/judges/g4/run/", {}, format="json").json()["queued"] == 8
    budget = api.get("/api/studies/g/budget/?half_width=0.05&price_per_human_vote=1")
    assert budget.status_code == 400 and budget.json()["errors"][0]["field"] == "share"


def test_a_pairwise_study_refuses_the_graders_order_policy(api, fake_llm):
    from tests.judges.helpers import open_study

    open_study(api)
    body = {"name": "g4", "base_url": fake_llm.url, "model": "gpt-4", "order_policy": "none"}
    refused = api.post("/api/studies/j/judges/", body, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "order_policy"


def test_a_per_turn_study_refuses_a_judge_naming_per_turn(api, fake_llm):
    """A judge gives one verdict per pair; on a per-turn study it would mix whole-response votes
    into the per-turn outcomes, so it is refused until judges compare turn by turn."""
    from tests.results.test_per_turn_api import create as create_per_turn

    assert create_per_turn(api, slug="pt").status_code == 201
    body = {"name": "j1", "base_url": fake_llm.url, "model": "gpt-4"}
    refused = api.post("/api/studies/pt/judges/", body, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "per_turn"
    from judges.models import Judge

    assert not Judge.objects.filter(study__slug="pt").exists()  # nothing stored
