"""Handing a rater their next pair, held by a lease.

The pair is one the rater has never been handed, from the comparisons with the fewest
filled slots (raters.services.coverage: votes plus live leases), in an order drawn per rater
among the least filled. The slot is taken under a row lock on the comparison's Coverage row
(SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL: a comparison another request is taking is
skipped, not waited for), and the exact count is checked under the lock, so votes plus live
leases never exceed votes_per_comparison. The rater's own row is locked too, so two tabs of
one rater cannot take two pairs. Gold pairs are served at the study's gold rate, no cap."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import MD5, Cast, Concat
from django.utils import timezone

from comparisons.models import Comparison, Study
from raters import sql
from raters.models import Assignment, Rater, StudyRaterSettings, Vote
from raters.services.coverage import (
    coverage_refresh,
    coverage_sync,
    filled_hinted,
    lock,
    lock_slot,
)
from raters.services.entry import rater_settings_get

CANDIDATES = 40


@dataclass(frozen=True)
class Next:
    """What the rater gets: `state` is assigned, finished, full, closed or excluded."""

    state: str
    assignment: Assignment | None = None
    done: int = 0
    quota: int = 0


def draw(*parts: object) -> float:
    """A reproducible uniform number in [0, 1) from the parts (blake2b)."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def is_swapped(study: Study, rater: Rater, comparison_id: int) -> bool:
    """Whether this rater sees the comparison's stored right response on the left: a fair
    coin per (rater, comparison), seeded by the study, so position preferences cancel out."""
    return draw(study.seed, "sides", rater.external_id, comparison_id) < 0.5


def _unseen(rater: Rater, qs: QuerySet, field: str = "pk") -> QuerySet:
    return qs.exclude(Exists(Assignment.objects.filter(rater=rater, comparison=OuterRef(field))))


def _new(rater: Rater, comparison_id: int, now: datetime, settings: StudyRaterSettings, *, gold: bool) -> Assignment:
    return sql.lease_insert(  # on PostgreSQL, with the pair's texts (raters.selectors.pair_for)
        Assignment(
            rater=rater,
            comparison_id=comparison_id,
            swapped=not rater.study.is_rating and is_swapped(rater.study, rater, comparison_id),
            is_gold=gold,
            served_at=now,
            expires_at=now + timedelta(minutes=settings.lease_minutes),
        )
    )


def _serve_gold(rater: Rater, now: datetime, settings: StudyRaterSettings) -> Assignment | None:
    order = MD5(Concat(Value(f"{rater.external_id}:"), Cast("id", CharField())))
    gold = _unseen(rater, Comparison.objects.filter(study_id=rater.study_id, gold__isnull=False))
    first = gold.order_by(order).values_list("id", flat=True).first()
    return _new(rater, first, now, settings, gold=True) if first else None


def _candidates(rater: Rater, cap: int, served: int) -> list[int]:
    """The least-filled comparisons this rater has not seen, the lowest level in an order
    drawn for this rater (an index scan on Coverage, then a seeded shuffle); for a study with
    stopping rules the most filled below the cap first, so prompts complete in turn."""
    deepest = bool(rater.study.stopping)  # stopping rules: complete prompts in turn (raters.sql)
    rows = sql.unseen_least_filled(
        rater_id=rater.pk, study_id=rater.study_id, cap=cap, limit=CANDIDATES, deepest=deepest
    )
    rng = random.Random(f"{rater.study.seed}:{rater.external_id}:{served}")
    by_level: dict[int, list[int]] = {}
    for comparison_id, level in rows:
        by_level.setdefault(level, []).append(comparison_id)
    ordered = []
    for level in sorted(by_level, reverse=deepest):
        ids = by_level[level]
        if not deepest:  # deepest first keeps the scan's order: the neediest pair's band, then rank
            rng.shuffle(ids)
        ordered += ids
    return ordered


def _serve_regular(rater: Rater, now: datetime, settings: StudyRaterSettings, served: int) -> Assignment | None:
    cap = rater.study.votes_per_comparison
    coverage_sync(study_id=rater.study_id)
    candidates = _candidates(rater, cap, served)
    if not candidates:  # nothing free by the hints: expire lapsed leases now (on demand), look again
        sql.plans_per_call()  # the ORM's statements of this rare path (raters.sql)
        assignments_expire(now=now, study_id=rater.study_id)
        coverage_sync(study_id=rater.study_id, force=True)
        candidates = _candidates(rater, cap, served)
    if not candidates and assignments_release_idle(now=now, study_id=rater.study_id):
        candidates = _candidates(rater, cap, served)
    for comparison_id in candidates:
        if not lock_slot(comparison_id, skip=True, ensure=False):
            continue  # another rater is taking this one right now
        if filled_hinted(comparison_id, now, cap=cap) < cap:  # the hint now counts this lease
            return _new(rater, comparison_id, now, settings, gold=False)
        # else the hint was behind: healed, try the next one
    return None


def _renew(pending: Assignment, now: datetime, settings: StudyRaterSettings) -> bool:
    """Give a rater back the pair whose lease ran out while they were away, if its slot is free."""
    if not pending.is_gold:
        lock_slot(pending.comparison_id, skip=False)
        cap = pending.rater.study.votes_per_comparison
        # the hint is healed as for a new lease (a settled comparison's hint is never written)
        exact = filled_hinted(pending.comparison_id, now, cap=cap, excluding=pending.pk)
        if exact >= cap or sql.is_settled(pending.comparison_id):
            return False
    pending.served_at, pending.expires_at = now, now + timedelta(minutes=settings.lease_minutes)
    pending.save(update_fields=["served_at", "expires_at"])
    return True


def _pending_kept(
    rater: Rater, *, served: int, done: int, now: datetime, settings: StudyRaterSettings
) -> Assignment | None:
    """The rater's pending pair (there is one only if more were served than voted) when its
    lease still holds or can be renewed; a lapsed one that cannot is marked expired."""
    if served <= done:
        return None
    pending = sql.pending_lease(rater.pk)
    if pending is None:
        return None
    pending.rater = rater
    if pending.expires_at > now or _renew(pending, now, settings):
        return pending
    Assignment.objects.filter(pk=pending.pk).update(state=Assignment.State.EXPIRED)
    return None


def assignment_next(*, rater: Rater, study: Study | None = None, now: datetime | None = None) -> Next:
    """The rater's pending pair, or a new one, or why there is none. `study` may be given
    when the caller loaded it in this request (it is read from the database otherwise)."""
    now = now or timezone.now()
    if study is None or study.pk != rater.study_id:
        study = Study.objects.select_related("rater_settings").get(pk=rater.study_id)
    rater.study = study
    settings = rater_settings_get(study=study)
    if study.status != Study.Status.OPEN:
        return Next("closed", quota=settings.quota)
    with transaction.atomic():
        locked = sql.lock_rater(rater.pk, durable=False)  # this transaction writes no vote
        if locked is None:
            raise Rater.DoesNotExist(f"Rater {rater.pk} is gone.")
        return next_locked(rater, settings, now, *locked)


def next_locked(
    rater: Rater, settings: StudyRaterSettings, now: datetime, excluded: bool, served: int, done: int
) -> Next:
    """`assignment_next` once the rater's row is locked in the caller's transaction and
    (excluded, pairs served, pairs voted) were read under that lock (sql.lock_rater, or
    raters.services.cycle after it recorded a vote). `rater.study` is set and open."""
    study = rater.study
    if excluded:
        return Next("excluded", done=done, quota=settings.quota)
    if done >= settings.quota:
        Rater.objects.filter(pk=rater.pk, finished_at=None).update(finished_at=now)
        return Next("finished", done=done, quota=settings.quota)
    pending = _pending_kept(rater, served=served, done=done, now=now, settings=settings)
    if pending is not None:
        return Next("assigned", pending, done, settings.quota)
    gold_turn = settings.gold_rate > 0 and draw(study.seed, "gold", rater.external_id, served) < settings.gold_rate
    assignment = (gold_turn and _serve_gold(rater, now, settings)) or _serve_regular(rater, now, settings, served)
    if assignment is None and done:  # nothing left for this rater: they are done early
        Rater.objects.filter(pk=rater.pk, finished_at=None).update(finished_at=now)
        return Next("finished", done=done, quota=settings.quota)
    if assignment is None:
        return Next("full", quota=settings.quota)
    return Next("assigned", assignment, done, settings.quota)


def assignments_release_idle(*, now: datetime, study_id: int) -> int:
    """The study is full: release the leases never acted upon, so a few clients cannot hold
    its slots. Idle: pending for longer than LIMA_IDLE_LEASE_SECONDS, not gold, of a rater
    with no vote in the study (a rater who has voted is a real one, reading). Such a rater
    coming back votes if the slot is still free, or gets a new pair (raters.services.voting)."""
    idle = Assignment.objects.filter(
        state=Assignment.State.PENDING,
        is_gold=False,
        comparison__study_id=study_id,
        served_at__lte=now - timedelta(seconds=django_settings.LIMA_IDLE_LEASE_SECONDS),
    ).exclude(Exists(Vote.objects.filter(rater_id=OuterRef("rater_id"))))
    rows = list(lock(idle, skip=True).values_list("pk", "comparison_id"))
    count = Assignment.objects.filter(pk__in=[pk for pk, _ in rows]).update(
        state=Assignment.State.EXPIRED, expires_at=now
    )
    coverage_refresh(comparison_ids=[c for _, c in rows], now=now)
    return count


def assignments_expire(*, now: datetime | None = None, study_id: int | None = None) -> int:
    """Return the slots of lapsed leases to the pool; safe to run any number of times."""
    now = now or timezone.now()
    lapsed = Assignment.objects.filter(state=Assignment.State.PENDING, expires_at__lte=now)
    if study_id is not None:
        lapsed = lapsed.filter(comparison__study_id=study_id)
    with transaction.atomic():  # leases being voted on right now are locked: skipped, never waited for
        rows = list(lock(lapsed, skip=True).values_list("pk", "comparison_id"))
        count = Assignment.objects.filter(pk__in=[pk for pk, _ in rows]).update(state=Assignment.State.EXPIRED)
        coverage_refresh(comparison_ids=[c for _, c in rows], now=now)
    return count
