"""Attention checks made by the service: a real response against a broken one."""

from __future__ import annotations

import pytest

from comparisons.models import Comparison, Study
from raters import services
from raters.models import GoldPair, Rater
from raters.services.attention import ATTENTION_SYSTEM, ATTENTION_TEXT
from results.services import results_refresh
from tests.factories import RaterFactory
from tests.raters.conftest import open_study
from tests.raters.test_api import owned  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_the_service_adds_attention_checks_that_expect_the_real_response(api, owned):  # noqa: F811
    comparisons = Comparison.objects.filter(study=owned).count()
    response = api.post("/api/studies/mine/attention-checks/", {"count": 3}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert len(body) == 3 and {g["kind"] for g in body} == {"attention"}
    assert all(g["expected"] == "LIMA" and ATTENTION_SYSTEM in g["systems"] for g in body)
    assert len({g["prompt_id"] for g in body}) == 3
    assert Comparison.objects.filter(study=owned).count() == comparisons + 3
    assert ATTENTION_SYSTEM not in set(owned.systems.values_list("name", flat=True))
    more = api.post("/api/studies/mine/attention-checks/", {"count": 10}, format="json").json()
    assert len(more) == 3 and not {g["prompt_id"] for g in more} & {g["prompt_id"] for g in body}
    full = api.post("/api/studies/mine/attention-checks/", {"count": 1}, format="json")
    assert full.status_code == 400 and full.json()["errors"][0]["field"] == "count"


@pytest.mark.parametrize("count", [0, 201, "x"])
def test_a_bad_count_is_a_400_naming_it(api, owned, count):  # noqa: F811
    response = api.post("/api/studies/mine/attention-checks/", {"count": count}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "count"
    assert not GoldPair.objects.exists()


def test_a_rater_who_picks_the_broken_response_is_flagged_and_the_vote_never_counts(api, owned):  # noqa: F811
    api.patch("/api/studies/mine/rater-settings/", {"gold_rate": 1.0}, format="json")
    api.post("/api/studies/mine/attention-checks/", {"count": 1}, format="json")
    rater = RaterFactory(study=owned)
    assignment = services.assignment_next(rater=rater).assignment
    assert assignment.is_gold
    comparison = assignment.comparison
    broken_left = comparison.left_response.text == ATTENTION_TEXT
    shown_broken_left = broken_left != assignment.swapped
    vote = services.vote_submit(
        rater=rater, token=assignment.token, choice="left" if shown_broken_left else "right"
    ).vote
    assert vote.is_gold and vote.winner.name == ATTENTION_SYSTEM
    stats = api.get("/api/studies/mine/raters/").json()[0]["stats"]
    assert "failed_checks" in stats["flags"]
    results_refresh(study_id=owned.pk)
    results = api.get("/api/studies/mine/results/").json()
    assert results["n_votes"] == 0 and ATTENTION_SYSTEM not in results["systems"]


def test_the_rater_page_shows_the_check_without_naming_it_a_system(client):
    study = open_study(prompts=2, gold_rate=1.0)
    from raters.services.attention import attention_checks_create

    attention_checks_create(study=study, count=1)
    client.get(f"/r/{study.slug}/", {"PROLIFIC_PID": "5f1e2d3c4b5a69788796a5b4", "STUDY_ID": "s", "SESSION_ID": "x"})
    client.post(f"/r/{study.slug}/instructions/", {"consent": "yes"})
    page = client.get(f"/r/{study.slug}/vote/").content.decode()
    assert "This is an attention check, not an answer" in page
    assert ATTENTION_SYSTEM not in page and "attention_check" not in page


def test_judges_are_not_paid_to_answer_attention_checks(api, owned, settings):  # noqa: F811
    from judges.models import JudgeCall
    from judges.services import judge_create, judge_queue

    settings.LIMA_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]  # a local endpoint, allowed as an operator would
    api.post("/api/studies/mine/attention-checks/", {"count": 2}, format="json")
    judge = judge_create(study=owned, name="j", base_url="http://127.0.0.1:9/v1", model="m", order_policy="random_one")
    judge_queue(judge=judge, dispatch=False)
    judged = set(JudgeCall.objects.filter(judge=judge).values_list("comparison_id", flat=True))
    assert judged == set(Comparison.objects.filter(study=owned, gold__isnull=True).values_list("id", flat=True))


def test_a_closed_study_gets_no_new_checks(api, owned):  # noqa: F811
    Study.objects.filter(pk=owned.pk).update(status=Study.Status.CLOSED)
    response = api.post("/api/studies/mine/attention-checks/", {"count": 1}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "study"
    assert not Rater.objects.exists()
