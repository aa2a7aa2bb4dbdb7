"""The rater path of a study with stopping rules: settled pairs are never served, prompts are
completed one after another, the neediest pair first; caps, no-repeat and leases still hold."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone

from comparisons.models import Comparison, Study
from raters import services, sql
from raters.models import Assignment, Coverage, GoldPair, Vote
from raters.services.coverage import coverage_refresh, coverage_sync
from raters.services.settlement import coverage_prioritise, coverage_settle
from tests.factories import RaterFactory
from tests.raters.conftest import open_study

pytestmark = pytest.mark.django_db


def sequential_study(**kwargs) -> Study:
    study = open_study(**kwargs)
    Study.objects.filter(pk=study.pk).update(stopping=[{"rule": "verdict"}])
    study.refresh_from_db()
    coverage_sync(study_id=study.pk, force=True)
    return study


def vote(rater) -> Assignment:
    nxt = services.assignment_next(rater=rater)
    assert nxt.state == "assigned" and nxt.assignment is not None
    services.vote_submit(rater=rater, token=nxt.assignment.token, choice="left")
    return nxt.assignment


def test_comparisons_of_a_settled_pair_are_never_served():
    study = sequential_study(prompts=4, systems=("LIMA", "GPT-4", "Bard"), votes_per_comparison=3, quota=50)
    keys = sorted(set(Comparison.objects.filter(study=study).values_list("pair_key", flat=True)))
    assert coverage_settle(study_id=study.pk, pair_keys=[keys[0]]) == 4
    served = []
    for _ in range(6):
        rater = RaterFactory(study=study)
        while (nxt := services.assignment_next(rater=rater)).state == "assigned":
            served.append(nxt.assignment.comparison.pair_key)
            services.vote_submit(rater=rater, token=nxt.assignment.token, choice="left")
    assert keys[0] not in served and Counter(served) == {keys[1]: 12}
    # exact counts written back by the expiry sweep never undo the mark
    coverage_refresh(
        comparison_ids=Comparison.objects.filter(study=study).values_list("id", flat=True), now=timezone.now()
    )
    assert set(Coverage.objects.filter(comparison__pair_key=keys[0]).values_list("filled", flat=True)) == {sql.SETTLED}


def test_a_sequential_study_completes_each_comparison_before_starting_the_next():
    study = sequential_study(prompts=6, votes_per_comparison=3, quota=10)
    raters = [RaterFactory(study=study) for _ in range(3)]
    first = [vote(r).comparison_id for r in raters]
    assert len(set(first)) == 1  # three raters, one comparison, filled to its cap
    second = [vote(r).comparison_id for r in raters]
    assert len(set(second)) == 1 and second[0] != first[0]
    assert Vote.objects.filter(comparison_id=first[0]).count() == 3  # never over the cap


def test_the_neediest_pair_is_served_first():
    study = sequential_study(prompts=3, systems=("LIMA", "GPT-4", "Bard"), votes_per_comparison=1, quota=10)
    keys = sorted(set(Comparison.objects.filter(study=study).values_list("pair_key", flat=True)))
    coverage_prioritise(study_id=study.pk, pair_keys=[keys[1], keys[0]])
    ranks = dict(Coverage.objects.filter(study=study).values_list("comparison__pair_key", "rank"))
    assert 2 <= ranks[keys[1]] < 3 and 1 <= ranks[keys[0]] < 2
    rater = RaterFactory(study=study)
    served = [vote(rater).comparison.pair_key for _ in range(3)]
    assert served == [keys[1]] * 3


def test_the_deepest_first_scan_is_the_orm_query_it_stands_for():
    study = sequential_study(prompts=5, systems=("A", "B", "C"), votes_per_comparison=3, quota=10)
    raters = [RaterFactory(study=study) for _ in range(2)]
    voted = {vote(rater).comparison.pair_key for rater in raters}
    other = Comparison.objects.filter(study=study).exclude(pair_key__in=voted).first().pair_key
    coverage_settle(study_id=study.pk, pair_keys=[other])
    probe = RaterFactory(study=study)
    orm = list(
        Coverage.objects.filter(study_id=study.pk, filled__lt=3)
        .exclude(Exists(Assignment.objects.filter(rater=probe, comparison=OuterRef("comparison_id"))))
        .exclude(Exists(GoldPair.objects.filter(comparison=OuterRef("comparison_id"))))
        .order_by("-filled", "-rank")
        .values_list("comparison_id", "filled")[:7]
    )
    assert sql.unseen_least_filled(rater_id=probe.pk, study_id=study.pk, cap=3, limit=7, deepest=True) == orm
    assert orm[0][1] == 2
