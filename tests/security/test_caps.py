"""Caps hold in what counts: re-including a rater, or unmarking a gold pair, never puts a
comparison over votes_per_comparison.

Against the code before this suite, an excluded rater's slot was filled by another rater and
re-including them made the comparison count one vote more than its cap (issue 10)."""

from __future__ import annotations

import pytest

from comparisons.errors import Conflict
from raters import services
from raters.models import GoldPair, Rater, Vote
from tests.raters.conftest import open_study
from tests.security.helpers import counted, vote_as

pytestmark = pytest.mark.django_db


def test_re_including_a_rater_whose_slot_was_refilled_is_refused_and_counts_stay_at_the_cap():
    study = open_study(prompts=1, votes_per_comparison=1, slug="cap")
    first = vote_as(study, "first")
    comparison_id = Vote.objects.get(rater=first).comparison_id
    services.rater_exclude(rater=first, reason="too fast")
    vote_as(study, "second")  # the freed slot went to someone else
    with pytest.raises(Conflict, match="over votes_per_comparison"):
        services.rater_include(rater=first)
    assert Rater.objects.get(pk=first.pk).excluded and counted(comparison_id) == 1


def test_re_including_a_rater_whose_slots_are_still_free_works():
    study = open_study(prompts=1, votes_per_comparison=2, slug="cap2")
    first = vote_as(study, "first")
    services.rater_exclude(rater=first, reason="check")
    services.rater_include(rater=first)
    assert not Rater.objects.get(pk=first.pk).excluded


def test_unmarking_a_gold_pair_with_more_votes_than_the_cap_is_refused(api):
    study = open_study(prompts=1, votes_per_comparison=1, slug="gold-cap", gold_rate=1.0)
    comparison = study.comparisons.get()
    services.gold_set(comparison=comparison, expected="tie")
    for pid in ("a", "b", "c"):  # gold pairs are served without a cap
        vote_as(study, pid)
    with pytest.raises(Conflict):
        services.gold_remove(comparison=comparison)
    assert GoldPair.objects.filter(comparison=comparison).exists() and counted(comparison.pk) == 0
    study.owner = api.user
    study.save(update_fields=["owner"])
    response = api.delete(f"/api/studies/gold-cap/gold/{comparison.pk}/")
    assert response.status_code == 409


def test_unmarking_a_gold_pair_within_the_cap_works():
    study = open_study(prompts=1, votes_per_comparison=3, slug="gold-ok", gold_rate=1.0)
    comparison = study.comparisons.get()
    services.gold_set(comparison=comparison, expected="tie")
    vote_as(study, "a")
    assert services.gold_remove(comparison=comparison) and counted(comparison.pk) == 1
