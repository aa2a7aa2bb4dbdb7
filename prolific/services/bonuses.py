"""Bonuses, paid through Prolific's two-step bulk bonus exactly once.

Prolific's pay call (`POST bulk-bonus-payments/{id}/pay/`) is documented as not idempotent:
sent twice, it pays twice. So:
1. approved submissions with a positive amount (selectors.bonus_amount) go into a `planned`
   batch; a submission is in at most one batch (a unique constraint);
2. the batch is created at Prolific and its id stored and committed (`created`) before any
   pay call. A retry finds the stored id and pays that batch instead of creating another. A
   create whose answer was lost leaves an unpaid batch at Prolific, which costs nothing;
3. the batch is claimed `paying` in its own committed transaction, then paid (`paid`). A 429
   or a connection never made means Prolific did not act: back to `created`. A timeout, a 5xx
   or a worker killed during the call may have paid: the batch becomes `uncertain` and is
   never paid again by us; the researcher checks Prolific and resolves it (paid, or pay it).
4. a 4xx refusal (e.g. balance too low) is `failed` with Prolific's message; its submissions
   are freed for a later batch (no money moved)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from comparisons.errors import Conflict
from prolific import selectors
from prolific.client import Prolific, ProlificError
from prolific.models import Action, BonusBatch, BonusLine, ProlificLink, Submission
from raters.models import StudyRaterSettings

OPEN_STATES = [BonusBatch.State.PLANNED, BonusBatch.State.CREATED, BonusBatch.State.PAYING]


def _approved(link: ProlificLink) -> list[Submission]:
    done = set(
        Action.objects.filter(link=link, kind=Action.Kind.APPROVE, state=Action.State.DONE).values_list(
            "submission_id", flat=True
        )
    )
    return [
        s
        for s in Submission.objects.filter(link=link, bonus_lines__isnull=True)
        if s.status == selectors.APPROVED or s.pk in done
    ]


def bonuses_plan(*, link: ProlificLink, settings: StudyRaterSettings) -> BonusBatch | None:
    """A planned batch of the approved submissions not bonused yet, or None."""
    if not (link.bonus_per_vote or link.bonus_per_gold_correct):
        return None
    records = selectors.records(link, settings)
    lines: list[tuple[Submission, Decimal, selectors.Record]] = []
    for sub in _approved(link):
        record = records.get(sub.participant_id)
        if record is None:
            continue
        amount = selectors.bonus_amount(link, record)
        if amount > 0:
            lines.append((sub, amount, record))
    if not lines:
        return None
    with transaction.atomic():
        batch = BonusBatch.objects.create(link=link, total=sum((a for _, a, _ in lines), Decimal(0)))
        BonusLine.objects.bulk_create(
            [
                BonusLine(
                    batch=batch,
                    submission=sub,
                    participant_id=sub.participant_id,
                    amount=amount,
                    counted_votes=record.counted_votes,
                    gold_correct=record.gold_correct,
                )
                for sub, amount, record in lines
            ]
        )
    return batch


def _free(batch: BonusBatch, state: str, error: str) -> None:
    with transaction.atomic():
        BonusBatch.objects.filter(pk=batch.pk).update(state=state, error=error[:2000])
        BonusLine.objects.filter(batch=batch).delete()


def bonus_batch_advance(*, batch_id: int, client: Prolific) -> str:
    """Move one batch on as far as it goes; returns its state. Safe to run again at any point."""
    batch = BonusBatch.objects.select_related("link").get(pk=batch_id)
    if batch.state == BonusBatch.State.PAYING:  # a worker died in the pay call (we hold the sync's claim)
        BonusBatch.objects.filter(pk=batch.pk, state=BonusBatch.State.PAYING).update(
            state=BonusBatch.State.UNCERTAIN,
            error="The pay call was sent and never answered (worker stopped). "
            "Check the bonus on Prolific, then resolve this batch.",
        )
        return BonusBatch.State.UNCERTAIN
    if batch.state == BonusBatch.State.PLANNED:
        rows = [(line.participant_id, f"{line.amount:.2f}") for line in batch.lines.order_by("id")]
        try:
            created = client.bonus_create(batch.link.prolific_study_id, rows)
        except ProlificError as exc:
            if exc.retryable:
                BonusBatch.objects.filter(pk=batch.pk).update(error=exc.message[:2000])
                return BonusBatch.State.PLANNED
            _free(batch, BonusBatch.State.FAILED, exc.message)
            return BonusBatch.State.FAILED
        total = created.get("total_amount")
        BonusBatch.objects.filter(pk=batch.pk, state=BonusBatch.State.PLANNED).update(
            state=BonusBatch.State.CREATED,
            prolific_batch_id=str(created["id"]),
            batch_created_at=timezone.now(),
            prolific_total=Decimal(str(total)) if total is not None else None,
            error="",
        )
        batch.refresh_from_db()
    if batch.state != BonusBatch.State.CREATED:
        return batch.state
    if not BonusBatch.objects.filter(pk=batch.pk, state=BonusBatch.State.CREATED).update(state=BonusBatch.State.PAYING):
        return BonusBatch.objects.get(pk=batch.pk).state
    try:
        client.bonus_pay(batch.prolific_batch_id)
    except ProlificError as exc:
        if exc.uncertain:
            state, error = BonusBatch.State.UNCERTAIN, f"{exc.message}. Prolific may have paid: check it, then resolve."
        elif exc.retryable:
            state, error = BonusBatch.State.CREATED, exc.message
        else:
            _free(batch, BonusBatch.State.FAILED, exc.message)
            return BonusBatch.State.FAILED
        BonusBatch.objects.filter(pk=batch.pk, state=BonusBatch.State.PAYING).update(state=state, error=error[:2000])
        return state
    BonusBatch.objects.filter(pk=batch.pk, state=BonusBatch.State.PAYING).update(
        state=BonusBatch.State.PAID, paid_at=timezone.now(), error=""
    )
    return BonusBatch.State.PAID


def bonuses_run(*, link: ProlificLink, client: Prolific, settings: StudyRaterSettings) -> dict[str, int]:
    """Finish the link's open batches first (so a stored batch is paid, never re-created),
    then plan and pay one for newly approved submissions."""
    states: dict[str, int] = {}
    for batch_id in (
        BonusBatch.objects.filter(link=link, state__in=OPEN_STATES).order_by("id").values_list("pk", flat=True)
    ):
        state = bonus_batch_advance(batch_id=batch_id, client=client)
        states[state] = states.get(state, 0) + 1
    if BonusBatch.objects.filter(link=link, state__in=OPEN_STATES).exists():
        return states
    batch = bonuses_plan(link=link, settings=settings)
    if batch is not None:
        state = bonus_batch_advance(batch_id=batch.pk, client=client)
        states[state] = states.get(state, 0) + 1
    return states


def bonus_batch_resolve(*, batch: BonusBatch, paid: bool, by: str) -> BonusBatch:
    """The researcher's answer for an `uncertain` batch after checking Prolific: `paid` → paid;
    otherwise back to `created`, so the next sync pays it (once)."""
    state = BonusBatch.State.PAID if paid else BonusBatch.State.CREATED
    with transaction.atomic():
        changed = BonusBatch.objects.filter(pk=batch.pk, state=BonusBatch.State.UNCERTAIN).update(
            state=state, resolved_by=by, error="", **({"paid_at": timezone.now()} if paid else {})
        )
    if not changed:
        raise Conflict(f"Bonus batch {batch.pk} is {batch.state}, not uncertain: nothing to resolve.")
    batch.refresh_from_db()
    return batch
