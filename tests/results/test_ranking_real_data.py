"""Bradley-Terry on real data, as all-pairs studies through the API: the unregularised maximum
likelihood fit (the win graphs are strongly connected), equal to a converged evalica fit to
1e-9 in strengths; drop-k and simultaneous rank intervals reported for it."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from tests.comparisons.helpers import create_study, jsonl
from tests.comparisons.test_real_data import MODELS
from tests.conftest import shared_data

pytestmark = pytest.mark.django_db
evalica = pytest.importorskip("evalica")
BASE = "text_davinci_003"


def reference_strengths(first: list[str], second: list[str], outcome: list[int], names: list[str]) -> np.ndarray:
    """evalica's Bradley-Terry (ties as half) run to convergence, as shares of strength in ``names`` order."""
    winners = [evalica.Winner.X if o == 1 else evalica.Winner.Y if o == -1 else evalica.Winner.Draw for o in outcome]
    scores = evalica.bradley_terry(
        first, second, winners, index=pd.Index(names), tie_weight=0.5, solver="naive", tolerance=1e-15, limit=1_000_000
    ).scores
    values = scores.loc[names].to_numpy()
    return values / values.sum()


def check_ranking(ranking: dict, first: list[str], second: list[str], outcome: list[int]) -> None:
    bt = ranking["bradley_terry"]
    assert bt["mle_exists"] is True and bt["prior"] == 0.0 and "unregularised" in bt["note"]
    expected = reference_strengths(first, second, outcome, bt["names"])
    np.testing.assert_allclose(bt["probabilities"], expected, atol=1e-9, rtol=0)
    order = [bt["names"][i] for i in np.argsort(-np.asarray(bt["elo"]))]
    drops = ranking["robustness"]["drop_k"]
    assert [(d["higher"], d["lower"]) for d in drops] == list(itertools.pairwise(order))
    assert all(d["votes_to_swap"] is None or d["votes_to_swap"] >= 1 for d in drops)
    for entry in ranking["robustness"]["rank_intervals"]["systems"]:
        assert entry["low"] <= entry["rank"] <= entry["high"]


def test_alpaca_eval_as_an_all_pairs_study_gives_the_converged_mle(api):
    files = {m: json.loads(shared_data("alpaca_eval", m, "annotations.json").read_text()) for m in MODELS}
    create_study(api, slug="ae", design="all_pairs", focal_system=None, baselines=None, systems=[BASE, *MODELS])
    rows, votes, first, second, outcome = [], [], [], [], []
    for i, base in enumerate(files[MODELS[0]]):
        rows.append({"prompt_id": f"a{i}", "prompt": base["instruction"], "system": BASE, "response": base["output_1"]})
    for model, judged in files.items():
        for i, a in enumerate(judged):
            rows.append({"prompt_id": f"a{i}", "system": model, "response": a["output_2"]})
            if a["preference"] is None:
                continue
            choice = {1.0: "left", 2.0: "right"}.get(float(a["preference"]), "tie")
            votes.append(
                {
                    "prompt_id": f"a{i}",
                    "left_system": BASE,
                    "right_system": model,
                    "choice": choice,
                    "rater": "alpaca_eval_gpt4",
                    "rater_group": "annotator",
                }
            )
            first.append(BASE)
            second.append(model)
            outcome.append({"left": 1, "right": -1, "tie": 0}[choice])
    assert api.post("/api/studies/ae/outputs/", jsonl(rows), content_type="application/x-ndjson").status_code == 201
    api.post("/api/studies/ae/open/")
    response = api.post("/api/studies/ae/votes/import/", jsonl(votes), content_type="application/x-ndjson")
    assert response.status_code == 201, response.json()
    check_ranking(api.get("/api/studies/ae/results/").json()["ranking"], first, second, outcome)


def test_pandalm_as_an_all_pairs_study_gives_the_converged_mle(api):
    items = json.loads(shared_data("pandalm", "testset-v1.json").read_text())
    systems = sorted({m for item in items for m in item["cmp_key"].split("_", 1)})
    create_study(api, slug="pl", design="all_pairs", focal_system=None, baselines=None, systems=systems)
    rows, votes, first, second, outcome = [], [], [], [], []
    for item in items:
        a, b = item["cmp_key"].split("_", 1)
        pid = f"pandalm-{item['idx']}"
        prompt = item["instruction"] + (f"\n\n{item['input']}" if item["input"] else "")
        rows += [
            {"prompt_id": pid, "prompt": prompt, "system": a, "response": str(item["response1"])},
            {"prompt_id": pid, "system": b, "response": str(item["response2"])},
        ]
        for k in (1, 2, 3):
            choice = {0: "tie", 1: "left", 2: "right"}[item[f"annotator{k}"]]
            votes.append(
                {
                    "prompt_id": pid,
                    "left_system": a,
                    "right_system": b,
                    "choice": choice,
                    "rater": f"annotator{k}",
                    "rater_group": "author",
                }
            )
            first.append(a)
            second.append(b)
            outcome.append({"left": 1, "right": -1, "tie": 0}[choice])
    assert api.post("/api/studies/pl/outputs/", jsonl(rows), content_type="application/x-ndjson").status_code == 201
    api.post("/api/studies/pl/open/")
    assert (
        api.post("/api/studies/pl/votes/import/", jsonl(votes), content_type="application/x-ndjson").status_code == 201
    )
    check_ranking(api.get("/api/studies/pl/results/").json()["ranking"], first, second, outcome)
