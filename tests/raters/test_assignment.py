"""Handing out pairs: fewest votes first, never twice, leases, expiry, sides."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from scipy.stats import binomtest

from comparisons.models import Comparison, Study
from raters import services
from raters.models import Assignment, Vote
from raters.tasks import expire_leases
from tests.factories import GoldPairFactory, RaterFactory
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db


def rate(rater, choice: str = "left", now=None) -> services.Next:
    nxt = services.assignment_next(rater=rater, now=now)
    if nxt.state == "assigned":
        assert nxt.assignment is not None
        services.vote_submit(rater=rater, token=nxt.assignment.token, choice=choice, now=now)
    return nxt


def test_a_rater_is_handed_the_comparisons_with_fewest_votes_first():
    study = open_study(prompts=4, votes_per_comparison=3)
    first = RaterFactory(study=study)
    for _ in range(2):
        rate(first)
    voted = set(Vote.objects.values_list("comparison_id", flat=True))
    second = services.assignment_next(rater=RaterFactory(study=study)).assignment
    assert second.comparison_id not in voted


def test_a_pending_pair_is_handed_again_until_voted(study):
    rater = RaterFactory(study=study)
    one = services.assignment_next(rater=rater).assignment
    assert services.assignment_next(rater=rater).assignment.pk == one.pk
    assert Assignment.objects.filter(rater=rater).count() == 1


def test_a_rater_never_sees_a_pair_twice_and_finishes_when_none_is_left():
    study = open_study(prompts=3, quota=10)
    rater = RaterFactory(study=study)
    states = [rate(rater).state for _ in range(4)]
    assert states == ["assigned"] * 3 + ["finished"]
    assert Vote.objects.filter(rater=rater).values("comparison").distinct().count() == 3


def test_a_full_study_has_no_pair_for_a_new_rater():
    study = open_study(prompts=2, votes_per_comparison=1)
    rate(RaterFactory(study=study))
    rate(RaterFactory(study=study))
    assert services.assignment_next(rater=RaterFactory(study=study)).state == "full"
    assert all(c == 1 for c in Counter(Vote.objects.values_list("comparison_id", flat=True)).values())


def test_a_rater_who_reached_the_quota_is_finished():
    study = open_study(prompts=5, quota=2)
    rater = RaterFactory(study=study)
    assert [rate(rater).state for _ in range(3)] == ["assigned", "assigned", "finished"]
    rater.refresh_from_db()
    assert rater.finished_at is not None


def test_a_closed_study_and_an_excluded_rater_get_no_pair(study):
    rater = RaterFactory(study=study)
    services.rater_exclude(rater=rater, reason="bot")
    assert services.assignment_next(rater=rater).state == "excluded"
    Study.objects.filter(pk=study.pk).update(status=Study.Status.CLOSED)
    assert services.assignment_next(rater=RaterFactory(study=study)).state == "closed"


def test_live_leases_count_against_the_cap_and_lapsed_ones_return_to_the_pool():
    study = open_study(prompts=1, votes_per_comparison=2)
    now = timezone.now()
    holders = [RaterFactory(study=study) for _ in range(2)]
    for rater in holders:
        assert services.assignment_next(rater=rater, now=now).state == "assigned"
    latecomer = RaterFactory(study=study)
    assert services.assignment_next(rater=latecomer, now=now).state == "full"
    later = now + timedelta(minutes=11)
    assert services.assignment_next(rater=latecomer, now=later).state == "assigned"


def test_the_expiry_task_marks_lapsed_leases_and_running_it_twice_changes_nothing(study):
    rater = RaterFactory(study=study)
    lease = services.assignment_next(rater=rater).assignment
    assert expire_leases() == 0
    Assignment.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert expire_leases.apply().get() == 1
    assert expire_leases() == 0
    assert Assignment.objects.get(pk=lease.pk).state == Assignment.State.EXPIRED


def test_a_rater_back_after_the_lease_gets_the_same_pair_when_its_slot_is_free(study):
    rater = RaterFactory(study=study)
    now = timezone.now()
    first = services.assignment_next(rater=rater, now=now).assignment
    again = services.assignment_next(rater=rater, now=now + timedelta(minutes=30)).assignment
    assert again.pk == first.pk and again.served_at == now + timedelta(minutes=30)


def test_sides_are_drawn_per_rater_and_balance_the_focal_system():
    study = open_study(prompts=40, votes_per_comparison=10, quota=40)
    focal_left = total = 0
    for _ in range(10):
        rater = RaterFactory(study=study)
        for _ in range(40):
            rate(rater)
    for vote in Vote.objects.select_related("shown_left"):
        total += 1
        focal_left += vote.shown_left.system_id == study.focal_system_id
    assert total == 400
    assert binomtest(focal_left, total).pvalue > 0.001
    swapped = Assignment.objects.values_list("comparison_id", "swapped")
    per_comparison = {}
    for comparison_id, s in swapped:
        per_comparison.setdefault(comparison_id, set()).add(s)
    assert sum(len(v) == 2 for v in per_comparison.values()) > 30  # raters disagree on sides


def test_the_side_draw_is_reproducible_per_rater_and_comparison(study):
    rater = RaterFactory(study=study)
    comparison = Comparison.objects.filter(study=study).first()
    assert {services.is_swapped(study, rater, comparison.pk) for _ in range(5)} in ({True}, {False})


def test_gold_pairs_are_served_at_the_gold_rate_without_a_cap():
    study = open_study(prompts=6, votes_per_comparison=1, gold_rate=1.0, quota=3)
    gold = GoldPairFactory(comparison=Comparison.objects.filter(study=study).first())
    raters = [RaterFactory(study=study) for _ in range(3)]
    firsts = [services.assignment_next(rater=r).assignment for r in raters]
    assert all(a.is_gold and a.comparison_id == gold.comparison_id for a in firsts)


def test_no_gold_is_served_at_a_zero_rate(study):
    GoldPairFactory(comparison=Comparison.objects.filter(study=study).first())
    rater = RaterFactory(study=study)
    states = [rate(rater) for _ in range(4)]
    assert all(not n.assignment.is_gold for n in states)


def test_imported_votes_fill_slots_but_judge_votes_do_not():
    from raters.models import Rater

    study = open_study(prompts=1, votes_per_comparison=1)
    comparison = Comparison.objects.get(study=study)
    judge = RaterFactory(study=study, source=Rater.Source.JUDGE, group="judge")
    Vote.objects.create(
        rater=judge,
        comparison=comparison,
        shown_left=comparison.left_response,
        shown_right=comparison.right_response,
        choice="left",
        seconds=1,
    )
    assert services.assignment_next(rater=RaterFactory(study=study)).state == "assigned"
    Assignment.objects.all().delete()
    Vote.objects.create(
        rater=RaterFactory(study=study, source=Rater.Source.IMPORTED),
        comparison=comparison,
        shown_left=comparison.left_response,
        shown_right=comparison.right_response,
        choice="tie",
        seconds=1,
        imported=True,
    )
    assert services.assignment_next(rater=RaterFactory(study=study)).state == "full"


def test_the_coverage_hints_match_exact_counts_after_votes_leases_and_expiry():
    from raters.models import Coverage
    from raters.services.coverage import filled

    study = open_study(prompts=4, votes_per_comparison=2)
    now = timezone.now()
    for _ in range(3):
        rate(RaterFactory(study=study), now=now)
    services.assignment_next(rater=RaterFactory(study=study), now=now)  # a lease, left to lapse
    later = now + timedelta(minutes=11)
    assert services.assignments_expire(now=later) == 1
    hints = dict(Coverage.objects.values_list("comparison_id", "filled"))
    assert hints == {c.pk: filled(c.pk, later) for c in Comparison.objects.filter(study=study)}
    assert sum(hints.values()) == 3


def test_comparisons_added_after_raters_started_are_handed_out_too():
    study = open_study(prompts=1, votes_per_comparison=1, quota=5)
    rater = RaterFactory(study=study)
    rate(rater)
    from tests.factories import ComparisonFactory, PromptFactory

    ComparisonFactory(prompt=PromptFactory(study=study, external_id="late"))
    assert rate(rater).state == "assigned"
    assert Vote.objects.filter(rater=rater).count() == 2
