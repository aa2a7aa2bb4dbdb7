"""The demo study in PostgreSQL: LIMA's Figure 1 to the percent, Figure 2's judge beside it,
realistic disagreement, a few comparisons left open, provenance, and a second load that
changes no number."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from comparisons.models import Comparison, Study
from demo.simulate import LIMA_GPT4_SHARES, LIMA_HUMAN_SHARES, OPEN_PER_BASELINE
from raters.models import Rater, StudyRaterSettings, Vote
from raters.services.votes import choice_for, vote_build
from results.models import ResultSnapshot
from results.services import results_refresh

pytestmark = pytest.mark.django_db

FIGURE1_ORDER = ["Alpaca 65B", "DaVinci003", "Bard", "Claude", "GPT-4"]


def percent(counts: dict) -> tuple[int, int, int]:
    return tuple(round(100 * counts[k] / counts["n"]) for k in ("wins", "ties", "losses"))  # type: ignore[return-value]


def load() -> dict:
    call_command("load_demo", verbosity=0)
    return ResultSnapshot.objects.get(study__slug="lima-demo", key="default").data


def test_the_demo_shows_figure_1_to_the_percent_with_the_judge_beside_it_and_a_second_load_changes_nothing():
    data = load()
    assert [p["systems"][1] for p in data["pairs"]] == FIGURE1_ORDER
    assert data["systems"] == ["LIMA 65B", *FIGURE1_ORDER]
    for pair in data["pairs"]:
        baseline = pair["systems"][1]
        assert pair["unit"] == "vote"
        assert percent(pair["counts"]) == LIMA_HUMAN_SHARES[baseline], baseline
        assert percent(pair["by_group"]["judge"]["counts"]) == LIMA_GPT4_SHARES[baseline], baseline
        assert pair["counts"]["n"] > 800  # 300 prompts like LIMA's test set, 3 votes each, a few open
    agreement = {
        tuple(a["groups"]): a["tie_discounted_accuracy"]["estimate"]
        for a in data["agreement"]["tie_discounted_accuracy_by_group"]
    }
    assert 0.79 <= agreement[("crowd", "crowd")] <= 0.83  # LIMA's crowd-crowd: 82%
    assert 0.74 <= agreement[("crowd", "judge")] <= 0.80  # LIMA's crowd-GPT-4: 78%
    study = Study.objects.get(slug="lima-demo")
    assert Comparison.objects.filter(study=study, votes__isnull=True).count() == 5 * OPEN_PER_BASELINE
    assert data["simulated_votes"] == data["n_votes"] == Vote.objects.filter(comparison__study=study).count()
    assert data["simulated_votes_left_out"] == 0
    assert set(Rater.objects.filter(study=study).values_list("source", flat=True)) == {Rater.Source.SIMULATED}
    assert not Vote.objects.filter(comparison__study=study).exclude(simulated=True, imported=False).exists()
    assert StudyRaterSettings.objects.get(study=study).allow_anonymous

    votes = Vote.objects.count()
    again = load()
    assert Vote.objects.count() == votes
    assert [p["counts"] for p in again["pairs"]] == [p["counts"] for p in data["pairs"]]
    assert again["agreement"] == data["agreement"]


def test_a_real_persons_vote_makes_the_results_leave_the_simulated_peoples_votes_out():
    load()
    study = Study.objects.get(slug="lima-demo")
    open_one = (
        Comparison.objects.filter(study=study, votes__isnull=True)
        .select_related("left_response", "right_response")
        .first()
    )
    person = Rater.objects.create(study=study, external_id="a-person", source=Rater.Source.ANONYMOUS)
    left, right = open_one.left_response, open_one.right_response
    Vote.objects.bulk_create(
        [
            vote_build(
                rater_id=person.pk,
                comparison_id=open_one.pk,
                left=(left.pk, left.system_id),
                right=(right.pk, right.system_id),
                choice=choice_for(
                    winner_system_id=left.system_id, left_system_id=left.system_id, right_system_id=right.system_id
                ),
                seconds=30,
                is_gold=False,
            )
        ]
    )
    data = results_refresh(study_id=study.pk).data
    simulated = Vote.objects.filter(comparison__study=study, simulated=True)
    judge = simulated.filter(rater__group=Rater.JUDGE_GROUP).count()
    assert data["headline_votes"] == 1 and data["n_votes"] == 1 + judge  # the simulated judge stays beside
    assert data["simulated_votes"] == judge
    assert data["simulated_votes_left_out"] == simulated.count() - judge > 0
    assert [p["counts"]["n"] for p in data["pairs"]].count(1) == 1
