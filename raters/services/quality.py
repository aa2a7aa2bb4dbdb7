"""Quality control writes: gold pairs, attention checks, excluding and including raters.

Nothing is deleted: an exclusion is a flag (the rater's votes stay stored and leave the
results), and marking a pair gold flags the votes it already has."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from comparisons.models import Comparison
from raters.errors import invalid
from raters.models import Assignment, GoldPair, Rater, Vote
from raters.services.coverage import coverage_refresh

TIE = "tie"


def gold_set(*, comparison: Comparison, expected: str, kind: str = GoldPair.Kind.GOLD) -> GoldPair:
    """Mark `comparison` gold: `expected` is the name of the system that should win, or "tie"."""
    names = dict(
        Comparison.objects.filter(pk=comparison.pk).values_list(
            "left_response__system__name", "left_response__system_id"
        )
    ) | dict(
        Comparison.objects.filter(pk=comparison.pk).values_list(
            "right_response__system__name", "right_response__system_id"
        )
    )
    if expected != TIE and expected not in names:
        choices = ", ".join(repr(n) for n in [*sorted(names), TIE])
        raise invalid("expected", f"must be one of {choices}")
    if kind not in GoldPair.Kind.values:
        raise invalid("kind", f"must be one of {', '.join(GoldPair.Kind.values)}")
    with transaction.atomic():
        gold, _ = GoldPair.objects.update_or_create(
            comparison=comparison, defaults={"expected_winner_id": names.get(expected), "kind": kind}
        )
        Vote.objects.filter(comparison=comparison).update(is_gold=True)
    return gold


def gold_remove(*, comparison: Comparison) -> bool:
    with transaction.atomic():
        deleted, _ = GoldPair.objects.filter(comparison=comparison).delete()
        Vote.objects.filter(comparison=comparison).update(is_gold=False)
    return bool(deleted)


def rater_exclude(*, rater: Rater, reason: str) -> Rater:
    """Exclude a rater: their votes leave the results and their pending lease is released,
    so the slots they held are filled by others."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", "is required: say why the rater is excluded")
    if len(reason) > 500:
        raise invalid("reason", "must be at most 500 characters")
    now = timezone.now()
    with transaction.atomic():
        Rater.objects.filter(pk=rater.pk).update(excluded=True, excluded_reason=reason)
        Assignment.objects.filter(rater=rater, state=Assignment.State.PENDING).update(
            state=Assignment.State.EXPIRED, expires_at=now
        )
        _refresh_rater_pairs(rater, now)
    rater.refresh_from_db()
    return rater


def rater_include(*, rater: Rater) -> Rater:
    with transaction.atomic():
        Rater.objects.filter(pk=rater.pk).update(excluded=False, excluded_reason="")
        _refresh_rater_pairs(rater, timezone.now())
    rater.refresh_from_db()
    return rater


def _refresh_rater_pairs(rater: Rater, now: datetime) -> None:
    """The rater's votes now count (or no longer do): their comparisons' fill changed."""
    coverage_refresh(
        comparison_ids=Assignment.objects.filter(rater=rater).values_list("comparison_id", flat=True), now=now
    )
