"""A study's link to a Prolific study, the submissions we know, the actions we took on
Prolific (each at most once) and bonus batches (paid exactly once).

Invariants kept by the database:
- one link per study, and one per Prolific study;
- one submission row per Prolific submission id;
- one action per (link, key): the key names the action and its object ("approve:<submission>",
  "places:<n>:<date>"), so a sync run twice finds its action taken and does not send it again;
- a submission is in at most one bonus batch (BonusLine is unique per submission and kind)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from comparisons.models import Study
from raters.models import Rater


class ProlificLink(models.Model):
    class Check(models.TextChoices):
        OK = "ok", "URL and code match"
        FIXED = "fixed", "Fixed on Prolific"

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="prolific")
    prolific_study_id = models.CharField(max_length=100, unique=True)
    rater_url = models.URLField(max_length=500, help_text="Our rater URL as Prolific must open it.")
    url_check = models.CharField(max_length=10, choices=Check.choices, default=Check.OK)
    # Policies
    count_returned_votes = models.BooleanField(default=False, help_text="Votes of returned / timed-out raters count.")
    auto_approve = models.BooleanField(default=True, help_text="Approve finishers who passed the checks.")
    auto_reject = models.BooleanField(default=True, help_text="Reject raters with 2+ failed attention checks.")
    manage_places = models.BooleanField(default=True, help_text="Keep places in line with the raters still needed.")
    bonus_per_vote = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    bonus_per_gold_correct = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    # What we last saw and did
    prolific_status = models.CharField(max_length=30, blank=True)
    places = models.PositiveIntegerField(null=True, blank=True)
    places_taken = models.PositiveIntegerField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    sync_until = models.DateTimeField(null=True, blank=True, help_text="A running sync's claim (healthchecks-style).")
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(bonus_per_vote__gte=0) & Q(bonus_per_gold_correct__gte=0),
                name="prolific_bonus_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study_id} ↔ {self.prolific_study_id}"


class Submission(models.Model):
    """A Prolific submission as last read, with what we decided about it."""

    class Decision(models.TextChoices):
        NONE = "", "Waiting"
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject (failed checks)"
        FLAGGED = "flagged", "Flagged for the researcher"
        RELEASED = "released", "Returned / timed out: leases released"

    link = models.ForeignKey(ProlificLink, on_delete=models.CASCADE, related_name="submissions")
    submission_id = models.CharField(max_length=100, unique=True)
    participant_id = models.CharField(max_length=200)
    rater = models.ForeignKey(Rater, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=30)
    started_at = models.CharField(max_length=40, blank=True)
    completed_at = models.CharField(max_length=40, blank=True)
    entered_code = models.CharField(max_length=100, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["link", "status"])]

    def __str__(self) -> str:
        return f"{self.submission_id} ({self.status})"


class Action(models.Model):
    """One thing we did (or are doing) on Prolific. Claimed (`state=sent`) in its own
    transaction before the call, so a second sync finds it and never sends it again."""

    class Kind(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        RELEASE = "release", "Release leases"
        PLACES = "places", "Set places"
        PAUSE = "pause", "Pause study"
        START = "start", "Restart study"
        FIX = "fix", "Fix URL / completion code"

    class State(models.TextChoices):
        SENT = "sent", "Sent"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    link = models.ForeignKey(ProlificLink, on_delete=models.CASCADE, related_name="actions")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="actions")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENT)
    detail = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="Prolific's message when it refused.")
    by = models.CharField(max_length=150, default="sync", help_text="sync, webhook, or the researcher's name.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["link", "key"], name="prolific_action_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"


class BonusBatch(models.Model):
    """A bulk bonus, paid in two steps. `planned` → create at Prolific → `created` (batch id
    stored and committed) → claimed `paying` (committed) → pay → `paid`. A pay call that may
    have reached Prolific without an answer leaves `uncertain`: never paid again by us; the
    researcher checks Prolific and resolves it."""

    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        CREATED = "created", "Created at Prolific"
        PAYING = "paying", "Pay call sent"
        PAID = "paid", "Paid"
        UNCERTAIN = "uncertain", "Pay call unanswered: check Prolific"
        FAILED = "failed", "Refused by Prolific"
        CANCELLED = "cancelled", "Not paid (researcher)"

    link = models.ForeignKey(ProlificLink, on_delete=models.CASCADE, related_name="bonus_batches")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PLANNED)
    prolific_batch_id = models.CharField(max_length=100, blank=True)
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    prolific_total = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Prolific's total_amount with fees, in the currency's minor unit.",
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    batch_created_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["prolific_batch_id"], condition=~Q(prolific_batch_id=""), name="prolific_batch_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"bonus batch {self.pk} ({self.state})"


class BonusLine(models.Model):
    batch = models.ForeignKey(BonusBatch, on_delete=models.CASCADE, related_name="lines")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="bonus_lines")
    participant_id = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    counted_votes = models.PositiveIntegerField(default=0)
    gold_correct = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission"], name="prolific_bonus_once_per_submission"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="prolific_bonus_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.amount}"


class WebhookEvent(models.Model):
    """A Prolific webhook delivery, stored once per event id (idempotent)."""

    event_id = models.CharField(max_length=200, unique=True)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
