"""The demo's LIMA Figure 3 (absolute ratings) and Figure 7 (dialogue turns), to the percent."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from comparisons.models import Study
from demo.ratings import FIGURE_3, FIGURE_7, SLUG_DIALOGUE, SLUG_RATING, ratings_demo_load
from raters.models import Rater, Vote
from results.models import ResultSnapshot
from results.services import results_refresh

pytestmark = pytest.mark.django_db


def load() -> dict[str, dict]:
    owner, _ = get_user_model().objects.get_or_create(username="demo")
    ratings_demo_load(owner=owner, seed=0)
    out = {}
    for slug in (SLUG_RATING, SLUG_DIALOGUE):
        study = Study.objects.get(slug=slug)
        results_refresh(study_id=study.pk)
        out[slug] = ResultSnapshot.objects.get(study=study, key="default").data
    return out


def percent(system: dict) -> dict[str, int]:
    n = sum(system["counts"].values())
    return {label: round(100 * c / n) for label, c in system["counts"].items()}


def test_figure_3_and_figure_7_are_the_papers_to_the_percent_flagged_simulated_and_loaded_once():
    data = load()
    (lima,) = data[SLUG_RATING]["ratings"]["systems"]
    assert (
        lima["counts"]
        == {"Fail": 6, "Pass": 19, "Excellent": 25}
        == {k: FIGURE_3[lima["system"]][k] for k in lima["counts"]}
    )
    assert percent(lima) == {"Fail": 12, "Pass": 38, "Excellent": 50}
    assert lima["n_prompts"] == 50
    excellent = lima["shares"]["Excellent"]
    assert excellent["estimate"] == 0.5 and excellent["low"] < 0.5 < excellent["high"]
    dialogue = {s["system"]: s for s in data[SLUG_DIALOGUE]["ratings"]["systems"]}
    for name, quota in FIGURE_7.items():
        assert dialogue[name]["counts"] == {k: quota[k] for k in ("Fail", "Pass", "Excellent")}
        assert dialogue[name]["n_conversations"] == 10
    assert sum(dialogue["LIMA 65B (zero-shot)"]["counts"].values()) == 42
    assert sum(dialogue["LIMA 65B + 30 dialogue chains"]["counts"].values()) == 46
    assert percent(dialogue["LIMA 65B (zero-shot)"]) == {"Fail": 36, "Pass": 19, "Excellent": 45}
    assert percent(dialogue["LIMA 65B + 30 dialogue chains"]) == {"Fail": 2, "Pass": 22, "Excellent": 76}
    assert "conversation" in dialogue["LIMA 65B (zero-shot)"]["shares"]["Fail"]["method"]
    for result in data.values():
        assert result["simulated_votes"] == result["n_votes"] > 0 and result["simulated_votes_left_out"] == 0
    assert set(Rater.objects.filter(study__slug__in=data).values_list("source", flat=True)) == {"simulated"}
    assert not Vote.objects.filter(comparison__study__slug__in=data, simulated=False).exists()
    votes = Vote.objects.count()
    again = load()
    assert Vote.objects.count() == votes
    assert again[SLUG_RATING]["ratings"]["systems"] == data[SLUG_RATING]["ratings"]["systems"]
