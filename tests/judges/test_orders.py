"""A native both-orders judge's consistency and per-order agreement with the humans, from its calls."""

from __future__ import annotations

import pytest

from tests.judges.fake_llm import Reply, prefers
from tests.judges.helpers import make_judge, open_study, post_votes, run_all

pytestmark = pytest.mark.django_db


def test_a_judge_that_always_says_A_is_never_consistent_and_always_picks_the_first_shown(api, fake_llm):
    fake_llm.respond = lambda seen: Reply(content='{"verdict": "A"}')
    judge = make_judge(open_study(api, prompts=5), fake_llm)
    run_all(judge)
    body = api.get("/api/studies/j/judges/gpt/orders/").json()
    assert body["comparisons_with_both_orders"] == 5 and body["against_humans"] is None
    assert body["consistency"]["consistency"]["estimate"] == 0.0
    assert body["consistency"]["biased_toward_first"]["estimate"] == 1.0


def test_per_order_agreement_with_the_humans_majority_counts_exact_matches(api, fake_llm):
    fake_llm.respond = prefers("GOOD")  # LIMA on the 4 GOOD prompts in both orders, a tie on the other 2
    judge = make_judge(open_study(api, prompts=6, good=4), fake_llm)
    run_all(judge)
    humans = [
        {"prompt_id": f"p{i}", "left_system": "LIMA", "right_system": "GPT-4", "choice": "left", "rater": r}
        for i in range(6)
        for r in ("h1", "h2")
    ]
    assert post_votes(api, "j", humans).status_code == 201
    body = api.get("/api/studies/j/judges/gpt/orders/").json()
    assert body["consistency"]["consistency"]["estimate"] == 1.0
    against = body["against_humans"]
    assert against["n_items"] == 6
    assert against["strict_both_orders"]["estimate"] == pytest.approx(4 / 6)
    assert against["strict_first_order"]["estimate"] == pytest.approx(4 / 6)
    assert api.get("/api/studies/j/judges/nobody/orders/").status_code == 404
