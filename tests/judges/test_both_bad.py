"""A judge in a study that offers "both are bad": asked for it, parsed strictly, voted apart from a tie."""

from __future__ import annotations

import pytest

from comparisons.models import Study
from judges.models import JudgeCall
from raters.models import Vote
from tests.judges.fake_llm import Reply, shown
from tests.judges.helpers import calls, make_judge, open_study, run_all

pytestmark = pytest.mark.django_db


def test_a_judge_says_both_bad_only_when_both_orders_do_and_only_where_offered(api, fake_llm):
    """Prompts p0-p1: both responses are answered "both_bad" in both orders; p2: "both_bad" when
    LIMA is shown first and "tie" otherwise (the orders disagree: a tie); the rest: "tie"."""

    def respond(seen) -> Reply:
        first = shown(seen.prompt)[0]
        bad = any(f"answer {i}." in seen.prompt for i in (0, 1)) or ("answer 2." in seen.prompt and "LIMA" in first)
        return Reply(content='{"verdict": "both_bad"}' if bad else '{"verdict": "tie"}')

    fake_llm.respond = respond
    study = open_study(api, prompts=4, good=0)
    Study.objects.filter(pk=study.pk).update(offer_both_bad=True)
    judge = make_judge(study, fake_llm)
    assert run_all(judge) == ["done"] * 8
    assert all('- "both_bad": Both are bad' in seen.prompt for seen in fake_llm.requests)
    votes = Vote.objects.filter(rater=judge.rater).order_by("comparison__prompt__external_id")
    assert [v.choice for v in votes] == ["both_bad", "both_bad", "tie", "tie"]
    assert calls(judge, verdict=JudgeCall.Verdict.BOTH_BAD).count() == 5


def test_in_a_study_without_the_option_both_bad_is_unparseable(api, fake_llm):
    fake_llm.respond = lambda seen: Reply(content='{"verdict": "both_bad"}')
    judge = make_judge(open_study(api, prompts=2), fake_llm)
    assert run_all(judge) == ["unparseable"] * 4
    assert all('"both_bad"' not in seen.prompt for seen in fake_llm.requests)
    assert not Vote.objects.filter(rater=judge.rater).exists()
