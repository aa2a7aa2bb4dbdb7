"""Published numbers reproduced from the real data in ../shared/data (skipped without it)."""

from __future__ import annotations

import csv
import json
from itertools import combinations

import numpy as np
import pytest

from comparisons.stats.aggregate import aggregate_votes
from comparisons.stats.agreement import cohens_kappa
from comparisons.stats.counts import alpaca_win_rate

ALPACA_MODELS = ["gpt4", "claude", "alpaca-7b", "guanaco-65b"]


def _alpaca_outcomes(path) -> np.ndarray:
    """AlpacaEval preference -> outcome for the model (output_2) against DaVinci003:
    2 -> +1 (model better), 1 -> -1 (baseline better), 0 or 1.5 -> 0 (draw), None dropped."""
    prefs = [row["preference"] for row in json.loads(path.read_text())]
    x = np.array([p for p in prefs if p is not None], dtype=float)
    x = np.where((x == 0) | (x == 1.5), 1.5, x)
    return np.rint(2 * (x - 1) - 1).astype(int)


@pytest.mark.parametrize("model", ALPACA_MODELS)
def test_counts_reproduce_the_alpaca_eval_leaderboard_row(shared_data, model):
    leaderboard = shared_data / "alpaca_eval" / "alpaca_eval_gpt4_leaderboard.csv"
    with leaderboard.open(newline="") as fh:
        row = {r[""]: r for r in csv.DictReader(fh)}[model]
    ours = alpaca_win_rate(_alpaca_outcomes(shared_data / "alpaca_eval" / model / "annotations.json"))
    assert ours.win_rate == pytest.approx(float(row["win_rate"]), abs=1e-9)
    assert ours.standard_error == pytest.approx(float(row["standard_error"]), abs=1e-9)
    assert ours.n_wins == int(row["n_wins"])
    assert ours.n_wins_base == int(row["n_wins_base"])
    assert ours.n_draws == int(row["n_draws"])
    assert ours.n_total == int(row["n_total"])


def _pandalm_labels(shared_data) -> np.ndarray:
    items = json.loads((shared_data / "pandalm" / "testset-v1.json").read_text())
    return np.array([[it[f"annotator{k}"] for it in items] for k in (1, 2, 3)], dtype=float)


def test_pandalm_annotator_pairs_reproduce_the_published_cohens_kappas(shared_data):
    labels = _pandalm_labels(shared_data)
    kappas = [
        round(cohens_kappa(labels[i], labels[j], categories=[0, 1, 2]).value, 4) for i, j in combinations(range(3), 2)
    ]
    assert kappas == [0.8520, 0.8789, 0.8617]  # annotator pairs (1,2), (1,3), (2,3)


def test_pandalm_majority_labels_reproduce_the_published_distribution(shared_data):
    labels = _pandalm_labels(shared_data)  # 0 tie, 1 response1 better, 2 response2 better
    outcomes = np.select([labels == 1, labels == 2], [1, -1], 0).ravel()
    items = np.tile(np.arange(labels.shape[1]), 3)
    _, majority = aggregate_votes(items, outcomes, how="majority")
    assert majority.size == 999
    counts = {0: int((majority == 0).sum()), 1: int((majority == 1).sum()), 2: int((majority == -1).sum())}
    assert counts == {0: 105, 1: 422, 2: 472}
