"""Handing a rater their next pair, held by a lease.

The pair is one the rater has never been handed, from the comparisons with the fewest
filled slots (see `filled`: votes plus live leases, of raters not excluded), in an order drawn per rater.
The slot is taken under a row lock on the comparison (SELECT ... FOR UPDATE SKIP LOCKED on
PostgreSQL: a comparison another request is taking is skipped, not waited for), and the
count is checked again under the lock, so votes plus live leases never exceed
votes_per_comparison. The rater's own row is locked too, so two tabs of one rater cannot
take two pairs. Gold pairs are served at the study's gold rate and have no cap."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import MD5, Cast, Coalesce, Concat
from django.utils import timezone

from comparisons.models import Comparison, Study
from raters.models import Assignment, Rater, StudyRaterSettings, Vote
from raters.services.entry import rater_settings_get

CANDIDATES = 20


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


def holding(now: datetime) -> QuerySet[Assignment]:
    """Leases that hold a slot: pending and still running, of a rater not excluded."""
    return Assignment.objects.filter(state=Assignment.State.PENDING, expires_at__gt=now, is_gold=False,
                                     rater__excluded=False)


def counted_votes() -> QuerySet[Vote]:
    """Votes that fill a slot: not gold, of a rater not excluded, not an LLM judge's
    (judges vote beside the crowd; imported and simulated human votes do fill slots)."""
    return Vote.objects.filter(is_gold=False, rater__excluded=False).exclude(rater__source=Rater.Source.JUDGE)


def filled(comparison_id: int, now: datetime, *, excluding: int | None = None) -> int:
    leases = holding(now).filter(comparison_id=comparison_id)
    if excluding:
        leases = leases.exclude(pk=excluding)
    return counted_votes().filter(comparison_id=comparison_id).count() + leases.count()


def lock(qs: QuerySet, *, skip: bool) -> QuerySet:
    if skip and connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True)
    return qs.select_for_update()


def _unseen(rater: Rater) -> QuerySet[Comparison]:
    seen = Assignment.objects.filter(rater=rater, comparison=OuterRef("pk"))
    return Comparison.objects.filter(study_id=rater.study_id).exclude(Exists(seen))


def _new(rater: Rater, comparison_id: int, now: datetime, settings: StudyRaterSettings, *, gold: bool) -> Assignment:
    return Assignment.objects.create(
        rater=rater, comparison_id=comparison_id, swapped=is_swapped(rater.study, rater, comparison_id), is_gold=gold,
        served_at=now, expires_at=now + timedelta(minutes=settings.lease_minutes),
    )


def _serve_gold(rater: Rater, now: datetime, settings: StudyRaterSettings) -> Assignment | None:
    order = MD5(Concat(Value(f"{rater.external_id}:"), Cast("id", CharField())))
    first = _unseen(rater).filter(gold__isnull=False).order_by(order).values_list("id", flat=True).first()
    return _new(rater, first, now, settings, gold=True) if first else None


def _serve_regular(rater: Rater, now: datetime, settings: StudyRaterSettings) -> Assignment | None:
    cap = rater.study.votes_per_comparison
    def per_comparison(qs: QuerySet):
        count = qs.filter(comparison=OuterRef("pk")).values("comparison").annotate(n=Count("id")).values("n")
        return Coalesce(Subquery(count, output_field=IntegerField()), 0)

    order = MD5(Concat(Value(f"{rater.study.seed}:{rater.external_id}:"), Cast("id", CharField())))
    candidates = list(
        _unseen(rater).filter(gold__isnull=True)
        .annotate(filled=per_comparison(counted_votes()) + per_comparison(holding(now)))
        .filter(filled__lt=cap).order_by(F("filled").asc(), order).values_list("id", flat=True)[:CANDIDATES]
    )
    for comparison_id in candidates:
        if not lock(Comparison.objects.filter(pk=comparison_id), skip=True).values_list("pk", flat=True):
            continue  # another rater is taking this one right now
        if filled(comparison_id, now) < cap:
            return _new(rater, comparison_id, now, settings, gold=False)
    return None


def _renew(pending: Assignment, now: datetime, settings: StudyRaterSettings) -> bool:
    """Give a rater back the pair whose lease ran out while they were away, if its slot is free."""
    if not pending.is_gold:
        list(lock(Comparison.objects.filter(pk=pending.comparison_id), skip=False).values_list("pk", flat=True))
        if filled(pending.comparison_id, now, excluding=pending.pk) >= pending.rater.study.votes_per_comparison:
            return False
    pending.served_at, pending.expires_at = now, now + timedelta(minutes=settings.lease_minutes)
    pending.save(update_fields=["served_at", "expires_at"])
    return True


def assignment_next(*, rater: Rater, now: datetime | None = None) -> Next:
    """The rater's pending pair, or a new one, or why there is none."""
    now = now or timezone.now()
    study = Study.objects.get(pk=rater.study_id)
    settings = rater_settings_get(study=study)
    if study.status != Study.Status.OPEN:
        return Next("closed", quota=settings.quota)
    with transaction.atomic():
        rater = Rater.objects.select_for_update().select_related("study").get(pk=rater.pk)
        done = rater.votes.count()
        if rater.excluded:
            return Next("excluded", done=done, quota=settings.quota)
        if done >= settings.quota:
            if rater.finished_at is None:
                Rater.objects.filter(pk=rater.pk).update(finished_at=now)
            return Next("finished", done=done, quota=settings.quota)
        pending = rater.assignments.filter(state=Assignment.State.PENDING).select_related("rater__study").first()
        if pending and (pending.expires_at > now or _renew(pending, now, settings)):
            return Next("assigned", pending, done, settings.quota)
        if pending:
            Assignment.objects.filter(pk=pending.pk).update(state=Assignment.State.EXPIRED)
        served = rater.assignments.count()
        gold_turn = settings.gold_rate > 0 and draw(study.seed, "gold", rater.external_id, served) < settings.gold_rate
        assignment = (gold_turn and _serve_gold(rater, now, settings)) or _serve_regular(rater, now, settings)
        if assignment is None and done:  # nothing left for this rater: they are done early
            Rater.objects.filter(pk=rater.pk, finished_at=None).update(finished_at=now)
            return Next("finished", done=done, quota=settings.quota)
        if assignment is None:
            return Next("full", quota=settings.quota)
        return Next("assigned", assignment, done, settings.quota)


def assignments_expire(*, now: datetime | None = None) -> int:
    """Return the slots of lapsed leases to the pool; safe to run any number of times."""
    now = now or timezone.now()
    return Assignment.objects.filter(state=Assignment.State.PENDING, expires_at__lte=now).update(
        state=Assignment.State.EXPIRED
    )

