"""Quality control writes: gold pairs, attention checks, excluding and including raters.

Nothing is deleted: an exclusion is a flag (the rater's votes stay stored and leave the
results), and marking a pair gold flags the votes it already has.

Caps hold both ways: while a rater is excluded, or a pair is gold, other raters fill the
slots their votes left. Re-including the rater, or unmarking the gold pair, would then put a
comparison over votes_per_comparison in what counts, so it is refused (409) naming the
comparisons; the researcher may raise votes_per_comparison first, which is a decision about
the design, not a side effect. The check is exact, under the comparisons' slot locks."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from comparisons.models import Comparison, Study
from raters.errors import Conflict, invalid
from raters.models import Assignment, GoldPair, Rater, Vote
from raters.services.coverage import coverage_refresh, filled, lock_slot
from raters.services.grading import parse_grade

TIE = "tie"


def gold_set(*, comparison: Comparison, expected: str, kind: str = GoldPair.Kind.GOLD) -> GoldPair:
    """Mark `comparison` gold: `expected` is the name of the system that should win, or "tie";
    on a rating item the grade that should be given (a label of the scale or its index)."""
    if kind not in GoldPair.Kind.values:
        raise invalid("kind", f"must be one of {', '.join(GoldPair.Kind.values)}")
    if comparison.right_response_id is None:
        study = comparison.study
        if study.design != Study.Design.RATING:
            raise invalid("expected", "gold items with a known grade are for rating studies (one grade per item)")
        grade = parse_grade(expected, study, "expected")
        with transaction.atomic():
            gold, _ = GoldPair.objects.update_or_create(
                comparison=comparison, defaults={"expected_winner_id": None, "expected_grade": grade, "kind": kind}
            )
            Vote.objects.filter(comparison=comparison).update(is_gold=True)
        return gold
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


def _over_cap(additions: dict[int, int], cap: int, now: datetime) -> list[int]:
    """The comparisons that `additions` (comparison id: votes that would start to count)
    would put over `cap`, checked under their slot locks (in the caller's transaction)."""
    over = []
    for comparison_id in sorted(additions):
        lock_slot(comparison_id, skip=False)
        if filled(comparison_id, now) + additions[comparison_id] > cap:
            over.append(comparison_id)
    return over


def _refuse(over: list[int], what: str) -> None:
    shown = ", ".join(str(c) for c in over[:10]) + (" ..." if len(over) > 10 else "")
    raise Conflict(
        f"{what} would put {len(over)} comparisons over votes_per_comparison (comparison ids {shown}); "
        "raise votes_per_comparison first if that is intended"
    )


def gold_remove(*, comparison: Comparison) -> bool:
    """Unmark a gold pair: its votes count again, unless that would exceed the cap (409)."""
    with transaction.atomic():
        counting = Vote.objects.filter(comparison=comparison, rater__excluded=False).exclude(
            rater__source=Rater.Source.JUDGE
        )
        if GoldPair.objects.filter(comparison=comparison).exists() and (n := counting.count()):
            cap = (
                Comparison.objects.filter(pk=comparison.pk).values_list("study__votes_per_comparison", flat=True).get()
            )
            if _over_cap({comparison.pk: n}, cap, timezone.now()):
                _refuse([comparison.pk], "unmarking this gold pair")
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
    """Count the rater's votes again, unless that would put a comparison over its cap (409)."""
    with transaction.atomic():
        locked = Rater.objects.select_for_update().select_related("study").get(pk=rater.pk)
        if locked.excluded and locked.source != Rater.Source.JUDGE:
            votes = Vote.objects.filter(rater=locked, is_gold=False).values_list("comparison_id", flat=True)
            if over := _over_cap(dict.fromkeys(votes, 1), locked.study.votes_per_comparison, timezone.now()):
                _refuse(over, f"re-including rater {locked.external_id!r}")
        Rater.objects.filter(pk=rater.pk).update(excluded=False, excluded_reason="")
        _refresh_rater_pairs(rater, timezone.now())
    rater.refresh_from_db()
    return rater


def _refresh_rater_pairs(rater: Rater, now: datetime) -> None:
    """The rater's votes now count (or no longer do): their comparisons' fill changed."""
    coverage_refresh(
        comparison_ids=Assignment.objects.filter(rater=rater).values_list("comparison_id", flat=True), now=now
    )
