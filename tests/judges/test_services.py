"""Judging a study's comparisons: votes, orders, idempotence, failures and cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from comparisons.errors import Conflict, InvalidInput
from judges import services
from judges.models import Judge, JudgeCall
from judges.selectors import judge_status
from raters.models import Rater, Vote
from tests.conftest import ROOT, wait_for, worker_database_url
from tests.judges.conftest import TEST_KEY, TEST_KEY_ENV
from tests.judges.fake_llm import Reply, prefers, shown
from tests.judges.helpers import calls, make_judge, open_study, run_all

pytestmark = pytest.mark.django_db


def votes_of(judge: Judge):
    return Vote.objects.filter(rater=judge.rater).select_related("winner", "shown_left", "shown_right", "comparison")


def test_a_judge_votes_as_its_own_rater_and_only_the_key_name_is_stored(api):
    study = open_study(api)
    judge = services.judge_create(
        study=study, name="gpt", base_url="http://127.0.0.1:1/v1", model="m", api_key_env=TEST_KEY_ENV
    )
    assert (judge.rater.external_id, judge.rater.source, judge.rater.group) == ("judge:gpt", "judge", "judge")
    assert TEST_KEY not in json.dumps(list(Judge.objects.values()), default=str)
    with pytest.raises(InvalidInput):
        services.judge_create(study=study, name="gpt", base_url="http://127.0.0.1:1/v1", model="m")
    with pytest.raises(InvalidInput, match="NAME of an environment variable"):
        services.judge_create(
            study=study, name="other", base_url="http://127.0.0.1:1/v1", model="m", api_key_env="sk-abc 123"
        )


def test_a_draft_study_cannot_be_judged(api, fake_llm):
    api.post(
        "/api/studies/",
        {"name": "d", "slug": "d", "design": "focal", "focal_system": "A", "baselines": ["B"]},
        format="json",
    )
    from comparisons.models import Study

    with pytest.raises(Conflict):
        services.judge_queue(judge=make_judge(Study.objects.get(slug="d"), fake_llm), dispatch=False)


def test_both_orders_judge_every_comparison_and_the_vote_names_the_winner(api, fake_llm):
    fake_llm.respond = prefers("GOOD")
    judge = make_judge(open_study(api, prompts=6, good=4), fake_llm)
    assert run_all(judge) == ["done"] * 12
    assert len(fake_llm.requests) == 12
    firsts = sorted(shown(seen.prompt)[0].split()[0] for seen in fake_llm.requests)
    assert firsts == ["GPT-4"] * 6 + ["LIMA"] * 6  # each comparison was shown both ways round
    votes = list(votes_of(judge))
    assert len(votes) == 6
    assert sorted(v.winner.name if v.winner else "tie" for v in votes) == ["LIMA"] * 4 + ["tie"] * 2
    for vote in votes:  # sides of the first order: the comparison's own
        assert (vote.shown_left_id, vote.shown_right_id) == (
            vote.comparison.left_response_id,
            vote.comparison.right_response_id,
        )
        expected = "tie" if vote.winner is None else "left" if vote.winner_id == vote.shown_left.system_id else "right"
        assert vote.choice == expected and not vote.imported and not vote.simulated
    status = judge_status(judge)
    assert status["by_state"]["done"] == 12 and status["votes"] == 6 and status["order_disagreements"] == 0


def test_a_judge_that_always_says_A_disagrees_with_itself_and_votes_tie(api, fake_llm):
    fake_llm.respond = lambda seen: Reply(content='{"verdict": "A"}')
    judge = make_judge(open_study(api, prompts=5), fake_llm)
    run_all(judge)
    assert [v.choice for v in votes_of(judge)] == ["tie"] * 5
    assert judge_status(judge)["order_disagreements"] == 5


def test_random_one_sends_one_order_per_comparison_and_the_vote_keeps_the_sides_shown(api, fake_llm):
    fake_llm.respond = prefers("GOOD")
    judge = make_judge(open_study(api, prompts=20, good=20), fake_llm, order_policy="random_one")
    run_all(judge)
    assert len(fake_llm.requests) == 20 and calls(judge).count() == 20
    assert set(calls(judge).values_list("order", flat=True)) == {"ab", "ba"}
    shown_as_a = {shown(seen.prompt)[0] for seen in fake_llm.requests}
    votes = list(votes_of(judge))
    assert {v.shown_left.text for v in votes} == shown_as_a
    assert all(
        v.winner.name == "LIMA" and v.choice == ("left" if v.shown_left.system_id == v.winner_id else "right")
        for v in votes
    )
    assert services.orders_for(judge, votes[0].comparison_id) == services.orders_for(judge, votes[0].comparison_id)


def test_running_the_judge_again_never_calls_the_endpoint_for_a_judged_comparison(api, fake_llm):
    fake_llm.respond = prefers("GOOD")
    judge = make_judge(open_study(api), fake_llm)
    run_all(judge)
    ids = list(calls(judge).values_list("id", flat=True))
    assert services.judge_queue(judge=judge, dispatch=False) == []
    assert [services.judge_call_run(call_id=i) for i in ids] == ["skipped"] * 12  # a task delivered twice
    assert len(fake_llm.requests) == 12 and votes_of(judge).count() == 6


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_call_at_once_send_one_request(api, fake_llm):
    fake_llm.respond = lambda seen: Reply(delay=0.3)
    judge = make_judge(open_study(api, prompts=1), fake_llm, order_policy="random_one")
    [call_id] = services.judge_queue(judge=judge, dispatch=False)
    results = []

    def worker() -> None:
        try:
            results.append(services.judge_call_run(call_id=call_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["done"] + ["skipped"] * 3 and len(fake_llm.requests) == 1


def test_unparseable_answers_are_stored_and_counted_never_guessed_or_retried(api, fake_llm):
    fake_llm.respond = lambda seen: Reply(content="Response A, clearly.")
    judge = make_judge(open_study(api, prompts=3), fake_llm)
    assert run_all(judge) == ["unparseable"] * 6
    assert votes_of(judge).count() == 0
    assert set(calls(judge).values_list("raw_answer", flat=True)) == {"Response A, clearly."}
    status = judge_status(judge)
    assert status["unparseable"] == 6 and status["votes"] == 0 and status["tokens"]["prompt"] == 600
    assert services.judge_queue(judge=judge, dispatch=False) == [] and len(fake_llm.requests) == 6


def test_one_unparseable_order_leaves_the_comparison_without_a_vote(api, fake_llm):
    fake_llm.push(Reply(content="no idea"))
    fake_llm.respond = prefers("GOOD")
    judge = make_judge(open_study(api, prompts=2, good=2), fake_llm)
    run_all(judge)
    assert judge_status(judge)["unparseable"] == 1 and votes_of(judge).count() == 1


def test_tokens_and_cost_are_counted_per_call_and_summed(api, fake_llm):
    fake_llm.respond = lambda seen: Reply(content='{"verdict": "B"}', usage=(1000, 100))
    judge = make_judge(
        open_study(api), fake_llm, price_prompt_per_1k=Decimal("0.5"), price_completion_per_1k=Decimal("1.5")
    )
    run_all(judge)
    assert set(calls(judge).values_list("cost", flat=True)) == {Decimal("0.65")}
    status = judge_status(judge)
    assert status["cost"] == "7.800000" and status["tokens"] == {"prompt": 12000, "completion": 1200}
    assert status["requests"] == 12


def test_a_retryable_failure_is_sent_again_by_a_rerun_and_nothing_else_is(api, fake_llm):
    fake_llm.push(Reply(status=503), Reply(status=503, headers={"Retry-After": "0"}))
    fake_llm.respond = prefers("GOOD")
    judge = make_judge(open_study(api), fake_llm, max_attempts=2)
    assert sorted(run_all(judge)) == ["done"] * 11 + ["failed"]
    failed = calls(judge, state="failed").get()
    assert failed.retryable and failed.http_status == 503 and failed.attempts == 2 and "gave up" in failed.error
    assert judge_status(judge)["failed_retryable"] == 1 and votes_of(judge).count() == 5
    assert run_all(judge) == ["done"]
    assert len(fake_llm.requests) == 14 and votes_of(judge).count() == 6
    failed.refresh_from_db()
    assert failed.runs == 2 and failed.attempts == 3 and failed.error == ""


def test_a_rejected_request_is_not_sent_again(api, fake_llm):
    fake_llm.respond = lambda seen: Reply(status=400, content="unknown model")
    judge = make_judge(open_study(api, prompts=1), fake_llm, order_policy="random_one")
    assert run_all(judge) == ["failed"] and run_all(judge) == [] and len(fake_llm.requests) == 1


def test_a_missing_key_fails_before_any_request_and_names_the_variable(api, fake_llm):
    judge = make_judge(
        open_study(api, prompts=1), fake_llm, api_key_env="LIMA_JUDGE_KEY_UNSET", order_policy="random_one"
    )
    assert run_all(judge) == ["failed"]
    assert "LIMA_JUDGE_KEY_UNSET is not set" in calls(judge).get().error and fake_llm.requests == []


def test_the_key_is_sent_to_the_endpoint(api, fake_llm):
    judge = make_judge(open_study(api, prompts=1), fake_llm, api_key_env=TEST_KEY_ENV, order_policy="random_one")
    run_all(judge)
    assert fake_llm.requests[0].headers["Authorization"] == f"Bearer {TEST_KEY}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_call_leaves_the_call_in_flight_and_it_is_never_paid_twice(api, fake_llm):
    fake_llm.push(Reply(delay=60))  # the first request hangs: the worker will die waiting
    fake_llm.respond = prefers("GOOD")
    judge = make_judge(open_study(api, prompts=3), fake_llm)
    pending = services.judge_queue(judge=judge, dispatch=False)
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "LIMA_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1"}
    code = (
        "import django; django.setup(); from judges.services import judge_call_run; "
        f"judge_call_run(call_id={pending[0]})"
    )
    worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    try:
        wait_for(lambda: len(fake_llm.requests) == 1, timeout=30, what="the doomed worker's request")
    finally:
        worker.kill()
        worker.wait()
    killed = JudgeCall.objects.get(pk=pending[0])
    assert killed.state == "running" and killed.runs == 1
    rest = services.judge_queue(judge=judge, dispatch=False)
    assert pending[0] not in rest and len(rest) == 5
    for call_id in rest + [pending[0]]:
        services.judge_call_run(call_id=call_id)
    assert len(fake_llm.requests) == 6  # 1 lost + 5, never the lost one again
    status = judge_status(judge)
    assert status["in_flight"] == 1 and status["lost"] == 0 and status["votes"] == 2
    JudgeCall.objects.filter(pk=pending[0]).update(claimed_at=timezone.now() - timedelta(hours=2))
    assert judge_status(judge)["lost"] == 1
    assert services.judge_queue(judge=judge, dispatch=False) == []
    assert services.judge_queue(judge=judge, retry_lost=True, dispatch=False) == [pending[0]]
    assert services.judge_call_run(call_id=pending[0]) == "done" and judge_status(judge)["votes"] == 3


def test_a_rater_named_like_the_judge_blocks_its_creation(api):
    study = open_study(api, prompts=1)
    Rater.objects.create(study=study, external_id="judge:gpt", source="imported")
    with pytest.raises(InvalidInput, match="already"):
        services.judge_create(study=study, name="gpt", base_url="http://127.0.0.1:1/v1", model="m")
