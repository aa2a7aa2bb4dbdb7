"""A study's columns read through the ORM's rows (`study_columns_rows`), on the embedded SQLite
default of a first run, where results.loading's aggregated binary columns are not to be had: the
same columns, so that results.counted and results.digest serve both databases."""

from __future__ import annotations

from typing import Any

import numpy as np

from comparisons.models import Comparison, Response, Study
from raters.models import Rater, Vote
from results.joins import by_id, by_turn, links
from results.study_columns import GRADED, PER_TURN, TURN_CODES, StudyColumns


def study_columns_rows(study: Study) -> StudyColumns:
    raters = list(Rater.objects.filter(study=study).values_list("id", "external_id", "group", "excluded"))
    systems = dict(study.systems.values_list("id", "name"))
    names = ["id", "comparison", "rater", "left", "right", "winner", "simulated", "gold", "seconds", "choice", "grade"]
    vote_rows = Vote.objects.filter(rater__study=study).values_list(
        "id",
        "comparison_id",
        "rater_id",
        "shown_left_id",
        "shown_right_id",
        "winner_id",
        "simulated",
        "is_gold",
        "seconds",
        "choice",
        "grade",
    )
    votes = dict(zip(names, list(zip(*vote_rows, strict=True)) or [()] * len(names), strict=True))
    names = ["id", "prompt", "gold", "left", "right"]
    comparison_rows = Comparison.objects.filter(study=study).values_list(
        "id", "prompt_id", "gold", "left_response_id", "right_response_id"
    )
    comparisons = dict(zip(names, list(zip(*comparison_rows, strict=True)) or [()] * len(names), strict=True))
    names = ["id", "system", "length"]
    response_rows = Response.objects.filter(prompt__study=study).values_list("id", "system_id", "length")
    responses = dict(zip(names, list(zip(*response_rows, strict=True)) or [()] * len(names), strict=True))

    def ints(values: Any) -> np.ndarray:
        return np.array([v or 0 for v in values], dtype=np.int64)

    v = {k: ints(votes[k]) for k in ("id", "comparison", "rater", "left", "right", "winner")}
    v["simulated"] = np.array(votes["simulated"], dtype=bool)
    v["gold"] = np.array(votes["gold"], dtype=bool)
    v["seconds"] = np.array(votes["seconds"], dtype=np.float64)
    codes = {"left": 0, "right": 1, "grade": GRADED, "turns": GRADED, "per_turn": PER_TURN}
    v["choice"] = np.array([codes.get(c, 2) for c in votes["choice"]], dtype=np.int64)
    v["both_bad"] = np.array([c == "both_bad" for c in votes["choice"]], dtype=bool)
    v["grade"] = np.array([-1 if g is None else g for g in votes["grade"]], dtype=np.int64)
    c = {k: ints(comparisons[k]) for k in ("id", "prompt", "left", "right")}
    c["gold"] = np.array([g is not None for g in comparisons["gold"]], dtype=bool)
    r = {k: ints(responses[k]) for k in ("id", "system", "length")}
    turn_rows = [
        (vote_id, k, TURN_CODES.get(choice, 2))
        for vote_id, choices in Vote.objects.filter(rater__study=study, choice="per_turn").values_list(
            "id", "turn_choices"
        )
        for k, choice in enumerate(choices or [])
    ]
    t = {
        name: np.array([row[i] for row in turn_rows], dtype=np.int64) for i, name in enumerate(("vote", "turn", "code"))
    }
    v, c, r = by_id(v), by_id(c), by_id(r)
    return StudyColumns(v, c, r, raters, systems, by_turn(t), links(v, c, r, raters))
