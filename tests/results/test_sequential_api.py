"""Sequential results through the API: votes imported in batches move the anytime-valid
intervals inward only; a pair settles when its rule says so, and its comparisons are no longer
served to raters; votes still needed and raters to admit are reported."""

from __future__ import annotations

import json

import numpy as np
import pytest

from comparisons.models import Comparison, Study
from comparisons.stats.sequential import SHARES, sequential_intervals
from raters import services as rater_services
from raters.models import StudyRaterSettings
from results.services import results_refresh
from tests.comparisons.helpers import create_study, rows_for, upload
from tests.factories import RaterFactory

pytestmark = pytest.mark.django_db
PROMPTS = 60


def batch_votes(baseline: str, start: int, outcomes: list[int]) -> list[dict]:
    """One imported vote per prompt (LIMA's outcome +1/0/-1), LIMA shown left."""
    return [
        {
            "prompt_id": f"p{start + i}",
            "left_system": "LIMA",
            "right_system": baseline,
            "choice": {1: "left", 0: "tie", -1: "right"}[o],
            "rater": f"r-{baseline}",
        }
        for i, o in enumerate(outcomes)
    ]


def test_batches_narrow_the_sequences_a_pair_settles_by_its_rule_and_is_served_no_more(api):
    create_study(api, slug="s", votes_per_comparison=1, stopping={"rule": "verdict"})
    upload(api, "s", rows_for(PROMPTS, ["LIMA", "GPT-4", "Bard"]))
    assert api.post("/api/studies/s/open/").status_code == 200
    study = Study.objects.get(slug="s")
    rng = np.random.default_rng(5)
    clear = rng.choice([1, 0, -1], PROMPTS, p=[0.85, 0.1, 0.05]).tolist()  # LIMA clearly better than GPT-4
    close = rng.choice([1, 0, -1], PROMPTS, p=[0.4, 0.2, 0.4]).tolist()  # even with Bard
    before: dict[str, dict] = {}
    settled_at_batch = None
    for batch, start in enumerate(range(0, 40, 10)):
        rows = batch_votes("GPT-4", start, clear[start : start + 10]) + batch_votes(
            "Bard", start, close[start : start + 10]
        )
        response = api.post("/api/studies/s/votes/import/", json.dumps(rows), content_type="application/json")
        assert response.status_code == 201, response.json()
        results_refresh(study_id=study.pk)
        results = api.get("/api/studies/s/results/").json()
        assert results["stale"] is False
        for p in results["pairs"]:
            seq = p["intervals"]["sequential"]
            assert set(seq) >= set(SHARES) and seq["win_rate"]["method"].startswith("betting")
            for share in SHARES:
                old = before.get(p["systems"][1], {}).get(share)
                if old:  # never wider than at the look before
                    assert seq[share]["low"] >= old["low"] - 1e-12 and seq[share]["high"] <= old["high"] + 1e-12
            before[p["systems"][1]] = seq
        gpt4 = next(p for p in results["pairs"] if p["systems"][1] == "GPT-4")
        # the rule, checked independently on the votes so far: LIMA's win-rate sequence excludes 1/2
        outcomes = np.asarray(clear[: start + 10])
        independent = sequential_intervals(
            np.arange(outcomes.size), outcomes, votes_per_prompt=1, order_keys=np.arange(outcomes.size), seed=study.seed
        ).win_rate
        if settled_at_batch is None and (independent.low > 0.5):
            settled_at_batch = batch
        if settled_at_batch is None:
            assert gpt4["settled"] is None and gpt4["need"]["votes"] > 0
        else:
            assert gpt4["settled"]["rule"] == "verdict" and gpt4["settled"]["winner"] == "LIMA"
            assert gpt4["settled"]["verdict"] == "LIMA preferred over GPT-4" and gpt4["need"]["votes"] == 0
    assert settled_at_batch is not None and settled_at_batch < 3
    bard = next(p for p in results["pairs"] if p["systems"][1] == "Bard")
    assert bard["settled"] is None and bard["need"]["votes"] > 0
    assert results["stopping"]["pairs_settled"] == 1 and results["stopping"]["votes_needed"] == bard["need"]["votes"]
    assert results["stopping"]["raters_to_admit"] >= 1 and results["stopping"]["quota_per_rater"] >= 1

    # a new rater is served only the open pair's comparisons, never the settled pair's
    StudyRaterSettings.objects.update_or_create(study=study, defaults={"quota": 100})
    rater = RaterFactory(study=study)
    served = []
    while (nxt := rater_services.assignment_next(rater=rater)).state == "assigned":
        served.append(nxt.assignment.comparison_id)
        rater_services.vote_submit(rater=rater, token=nxt.assignment.token, choice="left")
    keys = set(Comparison.objects.filter(pk__in=served).values_list("pair_key", flat=True))
    assert keys == {bard["pair_key"]} and len(served) == PROMPTS - 40
    assert gpt4["pair_key"] not in keys
