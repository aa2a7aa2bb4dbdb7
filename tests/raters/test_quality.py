"""Quality statistics (pure) and exclusion, gold marking (database)."""

from __future__ import annotations

import pytest

from comparisons.errors import InvalidInput
from comparisons.models import Comparison
from raters import services
from raters.models import Assignment, GoldPair
from raters.quality import Thresholds, VoteRow, rater_stats
from tests.factories import RaterFactory
from tests.raters.conftest import open_study


def test_stats_of_a_careful_rater_carry_no_flag():
    rows = [
        VoteRow("left", 20),
        VoteRow("right", 30),
        VoteRow("tie", 25),
        VoteRow("right", 40),
        VoteRow("left", 35, "gold", True),
        VoteRow("right", 22, "gold", True),
    ]
    stats = rater_stats(rows)
    assert stats.votes == 6 and stats.gold_votes == 2 and stats.gold_accuracy == 1.0
    assert (
        stats.median_seconds == 27.5
        and stats.tie_share == pytest.approx(1 / 6)
        and stats.left_share == pytest.approx(2 / 6)
    )
    assert stats.flags == ()


def test_a_fast_one_sided_rater_who_fails_gold_is_flagged_three_times():
    rows = [VoteRow("left", 1.0)] * 9 + [VoteRow("left", 2.0, "gold", False)]
    assert set(rater_stats(rows).flags) == {"too_fast", "one_side", "failed_checks"}


def test_a_failed_attention_check_flags_even_with_good_gold_accuracy():
    rows = [VoteRow("left", 10, "gold", True)] * 3 + [VoteRow("right", 10, "attention", False)]
    assert rater_stats(rows).flags == ("failed_checks",)


def test_thresholds_are_the_studys_and_small_samples_are_not_flagged():
    assert rater_stats([VoteRow("tie", 8)] * 3, Thresholds(min_median_seconds=10)).flags == ("too_fast",)
    assert rater_stats([VoteRow("tie", 1)] * 2).flags == ()
    assert rater_stats([VoteRow("tie", 30)] * 5).flags == ("all_ties",)
    empty = rater_stats([])
    assert empty.votes == 0 and empty.median_seconds is None and empty.flags == ()


@pytest.mark.django_db
def test_excluding_a_rater_releases_their_lease_and_needs_a_reason():
    study = open_study(prompts=1, votes_per_comparison=1)
    rater, other = RaterFactory(study=study), RaterFactory(study=study)
    services.assignment_next(rater=rater)
    assert services.assignment_next(rater=other).state == "full"
    with pytest.raises(InvalidInput) as exc:
        services.rater_exclude(rater=rater, reason=" ")
    assert exc.value.errors[0].field == "reason"
    services.rater_exclude(rater=rater, reason="speeding")
    assert Assignment.objects.get(rater=rater).state == Assignment.State.EXPIRED
    assert services.assignment_next(rater=other).state == "assigned"
    assert services.rater_include(rater=rater).excluded is False


@pytest.mark.django_db
def test_excluded_raters_votes_stay_stored_and_their_slots_reopen():
    study = open_study(prompts=1, votes_per_comparison=1)
    rater = RaterFactory(study=study)
    a = services.assignment_next(rater=rater).assignment
    services.vote_submit(rater=rater, token=a.token, choice="left")
    services.rater_exclude(rater=rater, reason="bot")
    assert rater.votes.count() == 1
    assert services.assignment_next(rater=RaterFactory(study=study)).state == "assigned"


@pytest.mark.django_db
def test_gold_expects_one_of_the_pairs_systems_or_a_tie():
    study = open_study(prompts=1)
    comparison = Comparison.objects.get(study=study)
    with pytest.raises(InvalidInput) as exc:
        services.gold_set(comparison=comparison, expected="Bard")
    assert exc.value.errors[0].reason == "must be one of 'GPT-4', 'LIMA', 'tie'"
    gold = services.gold_set(comparison=comparison, expected="GPT-4")
    assert gold.expected_winner.name == "GPT-4" and gold.kind == GoldPair.Kind.GOLD
    assert services.gold_set(comparison=comparison, expected="tie").expected_winner is None
    assert GoldPair.objects.count() == 1
