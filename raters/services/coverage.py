"""How full each comparison is: exact counts, the row lock that guards a comparison's
slots, and the Coverage hint that lets the next pair be found by an index scan.

Exact: raters.selectors.votes_filling_slots() plus leases_holding_slots(now). The hint (`Coverage.filled`) may lag
(votes imported by other services, leases lapsing between expiry runs); it only orders the
candidates. Every check under the lock writes the exact count back, and the expiry task
and exclusions refresh the comparisons they touch, so the hint heals itself."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet

from comparisons.models import Comparison
from raters import sql
from raters.models import Coverage, StudyRaterSettings
from raters.selectors import leases_holding_slots, votes_filling_slots

SYNC_EVERY = 30.0  # seconds between checks for new comparisons, per process and study
ANALYZE_AFTER = 500  # new Coverage rows that make PostgreSQL's statistics worth refreshing
_synced: dict[int, float] = {}


def filled(comparison_id: int, now: datetime, *, excluding: int | None = None) -> int:
    """The exact fill of one comparison: votes_filling_slots() plus leases_holding_slots(now), in one statement
    (raters.sql, tested equal to those two querysets)."""
    return sql.exact_fill(comparison_id, now, excluding=excluding)


def filled_hinted(comparison_id: int, now: datetime, *, cap: int, excluding: int | None = None) -> int:
    """`filled`, and the hint written from it in the same statement (raters.sql): the exact
    fill plus the slot about to be taken when there is one (below `cap`). Under the lock of
    `lock_slot`, taken by an earlier statement, so the count sees every committed vote and lease."""
    return sql.exact_fill_hinted(comparison_id, now, cap=cap, excluding=excluding)


def lock(qs: QuerySet, *, skip: bool) -> QuerySet:
    """SELECT ... FOR UPDATE, skipping rows another transaction holds when asked and when the
    database can (PostgreSQL); SQLite ignores row locks and serializes writers instead."""
    if skip and connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True)
    return qs.select_for_update()


def lock_slot(comparison_id: int, *, skip: bool, ensure: bool = True) -> bool:
    """Lock the comparison's slots (its Coverage row) for this transaction. With `skip`,
    False when another transaction holds them. `ensure` creates a missing row first (not
    needed for candidates, which come from Coverage rows)."""
    if ensure and not Coverage.objects.filter(pk=comparison_id).exists():
        study_id = Comparison.objects.filter(pk=comparison_id).values_list("study_id", flat=True).first()
        row = Coverage(comparison_id=comparison_id, study_id=study_id)  # type: ignore[misc]  # the comparison exists
        Coverage.objects.bulk_create([row], ignore_conflicts=True)
    return sql.lock_coverage(comparison_id, skip=skip)


def set_hint(comparison_id: int, value: int) -> None:
    sql.set_fill_hint(comparison_id, value)


def coverage_sync(*, study_id: int, force: bool = False) -> int:
    """Create the missing Coverage rows of a study's comparisons (new ones arrive with
    uploads); checked at most every SYNC_EVERY seconds per process unless forced."""
    if not force and time.monotonic() - _synced.get(study_id, -SYNC_EVERY) < SYNC_EVERY:
        return 0
    _synced[study_id] = time.monotonic()
    missing_qs = Comparison.objects.filter(study_id=study_id, coverage__isnull=True)
    if StudyRaterSettings.objects.filter(study_id=study_id, reveal_policy="hold").exists():
        missing_qs = missing_qs.exclude(revealing())
    missing = list(missing_qs.values_list("id", flat=True))
    if not missing:
        return 0
    counts = dict(
        votes_filling_slots().filter(comparison_id__in=missing).values_list("comparison_id").annotate(n=Count("id"))
    )
    Coverage.objects.bulk_create(
        [Coverage(comparison_id=i, study_id=study_id, filled=counts.get(i, 0)) for i in missing],
        ignore_conflicts=True,
        batch_size=2000,
    )
    if len(missing) >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Fresh statistics once the rows are in, so the planner takes the next-pair index
        # scan (with a new study's rows unknown to it, it sorts all of them: 10x slower).
        transaction.on_commit(_analyze_coverage)
    return len(missing)


def revealing() -> Q:
    """Comparisons with a response that reveals its author (comparisons/reveal.py)."""
    return ~Q(left_response__reveals=[]) | ~Q(right_response__reveals=[])


def coverage_hold_apply(*, study_id: int) -> int:
    """After the study's reveal policy changed: under "hold", the comparisons with a revealing
    response leave the queue (their Coverage rows, which candidates come from, are deleted;
    votes and leases stay); under "mask" they come back. Returns the rows deleted or created."""
    if StudyRaterSettings.objects.filter(study_id=study_id, reveal_policy="hold").exists():
        return (
            Coverage.objects.filter(study_id=study_id)
            .filter(comparison__in=Comparison.objects.filter(study_id=study_id).filter(revealing()))
            .delete()[0]
        )
    return coverage_sync(study_id=study_id, force=True)


def _analyze_coverage() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Coverage._meta.db_table}")


def coverage_refresh(*, comparison_ids: Iterable[int], now: datetime) -> None:
    """Write the exact fill of these comparisons into their hints (in the caller's
    transaction). Rows another transaction holds are skipped, never waited for: whoever
    holds one is checking it exactly and writes the hint itself."""
    ids = sorted(set(comparison_ids))
    for start in range(0, len(ids), 1000):
        chunk = list(
            lock(Coverage.objects.filter(pk__in=ids[start : start + 1000]), skip=True).values_list("pk", flat=True)
        )
        votes = dict(
            votes_filling_slots().filter(comparison_id__in=chunk).values_list("comparison_id").annotate(n=Count("id"))
        )
        leases = dict(
            leases_holding_slots(now)
            .filter(comparison_id__in=chunk)
            .values_list("comparison_id")
            .annotate(n=Count("id"))
        )
        for comparison_id in chunk:
            set_hint(comparison_id, votes.get(comparison_id, 0) + leases.get(comparison_id, 0))
