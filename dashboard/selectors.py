"""Reads for the dashboard: progress of a study against its targets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from comparisons.models import Comparison, Study
from raters.models import Assignment, Vote
from raters.selectors import votes_filling_slots
from results.compute import Params
from results.selectors import VoteFilter
from results.services import results_get

ACTIVE_MINUTES = 15


def study_progress(study: Study) -> dict:
    """Per pair: comparisons (gold pairs aside), votes wanted (comparisons x votes per
    comparison), counted votes (not gold, not excluded raters); raters active in the last 15
    minutes; open leases; gold accuracy. Votes are raters.selectors.votes_filling_slots: what
    fills the wanted slots (judges' votes never do)."""
    names = dict(study.systems.values_list("id", "name"))
    comparisons = dict(  # gold pairs and attention checks are never counted, so never "wanted"
        Comparison.objects.filter(study=study, gold__isnull=True)
        .values_list("pair_key")
        .annotate(n=Count("id"))
        .values_list("pair_key", "n")
    )
    votes = dict(
        votes_filling_slots()
        .filter(comparison__study=study)
        .values_list("comparison__pair_key")
        .annotate(n=Count("id"))
        .values_list("comparison__pair_key", "n")
    )
    pairs = []
    for key, n in sorted(comparisons.items()):
        low, high = (int(x) for x in key.split(":"))
        systems = [names.get(low, "?"), names.get(high, "?")]
        if study.focal_system_id in (low, high) and systems[0] != names.get(study.focal_system_id):
            systems.reverse()
        wanted = n * study.votes_per_comparison
        have = votes.get(key, 0)
        pairs.append(
            {
                "systems": systems,
                "comparisons": n,
                "wanted": wanted,
                "votes": have,
                "share": have / wanted if wanted else 0.0,
            }
        )
    now = timezone.now()
    since = now - timedelta(minutes=ACTIVE_MINUTES)
    active = (
        Vote.objects.filter(comparison__study=study, created_at__gte=since, simulated=False)
        .values("rater")
        .distinct()
        .count()
    )
    leases = Assignment.objects.filter(comparison__study=study, state="pending", expires_at__gt=now)
    gold = list(
        Vote.objects.filter(comparison__study=study, is_gold=True, comparison__gold__isnull=False).values_list(
            "winner_id", "comparison__gold__expected_winner_id"
        )
    )
    return {
        "pairs": pairs,
        "votes": sum(p["votes"] for p in pairs),
        "wanted": sum(p["wanted"] for p in pairs),
        "active_raters": active,
        "open_leases": leases.count(),
        "gold_votes": len(gold),
        "simulated_votes": Vote.objects.filter(comparison__study=study, simulated=True).count(),
        "gold_accuracy": sum(w == e for w, e in gold) / len(gold) if gold else None,
        "active_minutes": ACTIVE_MINUTES,
        "checked_at": now,
    }


def studies_votes_wanted(studies: Sequence[Study]) -> dict[int, tuple[int, int]]:
    """For the studies list: study id -> (counted votes, votes wanted), the totals of
    `study_progress`, in two queries for any number of studies."""
    ids = [s.pk for s in studies]
    comparisons = dict(
        Comparison.objects.filter(study_id__in=ids, gold__isnull=True)
        .values_list("study_id")
        .annotate(n=Count("id"))
        .values_list("study_id", "n")
    )
    votes = dict(
        votes_filling_slots()
        .filter(comparison__study_id__in=ids)
        .values_list("comparison__study_id")
        .annotate(n=Count("id"))
        .values_list("comparison__study_id", "n")
    )
    return {s.pk: (votes.get(s.pk, 0), comparisons.get(s.pk, 0) * s.votes_per_comparison) for s in studies}


def study_results(study: Study) -> tuple[dict | None, bool]:
    """The study's default results as the API serves them (results.services.results_get:
    a stale snapshot is shown, marked stale, while the sweep refreshes it), or None before
    the study has comparisons."""
    if not study.comparisons.exists():
        return None, False
    snapshot, stale = results_get(study=study, params=Params(seed=study.seed), filters=VoteFilter())
    return {**snapshot.data, "computed_at": snapshot.computed_at}, stale
