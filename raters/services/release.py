"""Releasing a rater's leases at once (e.g. a Prolific participant who returned the study or
timed out): their pending pairs go back to the pool now, not when the lease lapses."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from raters.models import Assignment, Rater
from raters.services.coverage import coverage_refresh


def rater_leases_release(*, rater: Rater) -> int:
    """Expire the rater's pending leases and refresh the fill of their comparisons; returns how
    many were released. Safe to run any number of times (the second run finds none)."""
    now = timezone.now()
    with transaction.atomic():
        pending = list(
            Assignment.objects.select_for_update()
            .filter(rater=rater, state=Assignment.State.PENDING)
            .values_list("pk", "comparison_id")
        )
        count = Assignment.objects.filter(pk__in=[pk for pk, _ in pending]).update(
            state=Assignment.State.EXPIRED, expires_at=now
        )
        coverage_refresh(comparison_ids=[c for _, c in pending], now=now)
    return count
