"""Raters, their assignments (leases on a comparison) and their votes.

Invariants kept by the database (see ../shared/DESIGN.md):
- a rater is unique per (study, external id);
- one vote per (rater, comparison), and a vote's two shown responses differ;
- one assignment per (rater, comparison): a rater is never handed a pair twice;
- at most one pending assignment per rater.
"Votes plus live leases never exceed votes_per_comparison" is kept by raters.services.assign
under a row lock on the comparison (a count cannot be a constraint)."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q

from comparisons.grading import DEFAULT_SCALE, DIALOGUE_GUIDELINES, LIMA_GUIDELINES
from comparisons.models import Comparison, Prompt, Response, Study, System

LIMA_FRAMING = (
    "Imagine that you have a super-intelligent AI assistant, and that you require help with the "
    "following question. Which answer best satisfies your needs?"
)


def default_guidelines(study: Study) -> str:
    """What raters read when the study gives no guidelines: LIMA's framing (pairwise), or the
    paper's meanings of Fail / Pass / Excellent (rating, dialogue; a custom scale lists its labels)."""
    if not study.is_rating:
        return LIMA_FRAMING
    if list(study.scale) != list(DEFAULT_SCALE):
        unit = "assistant turn" if study.design == Study.Design.DIALOGUE else "response"
        return f"Grade each {unit} on this scale, lowest first: {', '.join(study.scale)}."
    return DIALOGUE_GUIDELINES if study.design == Study.Design.DIALOGUE else LIMA_GUIDELINES


def new_completion_code() -> str:
    return secrets.token_hex(4).upper()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_rater_key() -> str:
    """A rater's opaque handle in cookies and invite links (no database id is ever shown)."""
    return secrets.token_urlsafe(18)


class StudyRaterSettings(models.Model):
    """What a study needs for raters, kept beside comparisons.Study (one row per study,
    created with defaults the first time a rater or researcher needs it)."""

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="rater_settings")
    guidelines = models.TextField(blank=True, help_text="Markdown shown before voting; LIMA's framing when empty.")
    quota = models.PositiveIntegerField(default=20, help_text="Pairs per rater, gold pairs included.")
    completion_code = models.CharField(max_length=64, default=new_completion_code)
    prolific_completion_url = models.URLField(
        blank=True, help_text="e.g. https://app.prolific.com/submissions/complete"
    )
    allow_anonymous = models.BooleanField(default=False)
    allow_prolific = models.BooleanField(default=True, help_text="Raters may enter with Prolific's PROLIFIC_PID.")
    allow_invite = models.BooleanField(default=True, help_text="Invite links of this study open it.")
    reveal_policy = models.CharField(
        max_length=10,
        choices=[("mask", "Mask names for raters"), ("hold", "Hold out of the queue")],
        default="mask",
        help_text="What raters get of responses that reveal their author.",
    )
    lease_minutes = models.PositiveIntegerField(default=10)
    gold_rate = models.FloatField(default=0.0, help_text="Share of served pairs that are gold pairs (0 to 1).")
    min_median_seconds = models.FloatField(default=5.0, help_text="Flag raters whose median time per vote is lower.")
    min_gold_accuracy = models.FloatField(default=0.5, help_text="Flag raters whose gold accuracy is lower.")
    researcher_name = models.CharField(max_length=200, blank=True, help_text="Who runs the study, on the consent page.")
    researcher_contact = models.CharField(
        max_length=200, blank=True, help_text="An email address or URL raters can write to, on the consent page."
    )
    estimated_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Time the task takes; empty: about a minute per pair."
    )
    pay = models.CharField(max_length=200, blank=True, help_text="e.g. '£2.25 (£9.00 an hour)'; shown when given.")
    data_use = models.TextField(blank=True, help_text="What is stored and how it is used; a true default when empty.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "study rater settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(gold_rate__gte=0) & Q(gold_rate__lte=1), name="rater_settings_gold_rate_range"
            ),
            models.CheckConstraint(condition=Q(quota__gte=1), name="rater_settings_quota_positive"),
            models.CheckConstraint(condition=Q(lease_minutes__gte=1), name="rater_settings_lease_positive"),
        ]

    def __str__(self) -> str:
        return f"rater settings of {self.study_id}"


class Rater(models.Model):
    """A person (or an LLM judge) who votes in one study. What a judge is has one rule:
    a rater of the group JUDGE_GROUP ("judge"). Judges (our LLM judges, and imported judge
    votes) vote beside the humans: never in the headline, never filling a human's slot."""

    JUDGE_GROUP = "judge"

    class Source(models.TextChoices):
        PROLIFIC = "prolific", "Prolific"
        INVITE = "invite", "Invite link"
        ANONYMOUS = "anonymous", "Anonymous link"
        IMPORTED = "imported", "Imported"
        JUDGE = "judge", "LLM judge"
        SIMULATED = "simulated", "Simulated (demo)"

    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="raters", db_index=False
    )  # (study, external_id)
    external_id = models.CharField(max_length=200, help_text="Prolific PID, invite name, or generated.")
    key = models.CharField(
        max_length=32,
        unique=True,
        default=new_rater_key,
        editable=False,
        help_text="Opaque handle in the rater's cookie and invite link.",
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    group = models.CharField(max_length=50, default="crowd", help_text="crowd, expert, author, judge ...")
    prolific_study_id = models.CharField(max_length=100, blank=True)
    prolific_session_id = models.CharField(max_length=100, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    excluded = models.BooleanField(default=False)
    excluded_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "external_id"], name="rater_external_id_unique_in_study")
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.source})"


class GoldPair(models.Model):
    """A comparison with a known answer: a researcher's gold pair, or an attention check
    (a response paired with an obviously broken one). Votes on it never count in results.
    `expected_winner` is the system that should win; null means a tie is expected. On a
    rating item, `expected_grade` is the grade that should be given."""

    class Kind(models.TextChoices):
        GOLD = "gold", "Gold pair"
        ATTENTION = "attention", "Attention check"

    comparison = models.OneToOneField(Comparison, on_delete=models.CASCADE, related_name="gold")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GOLD)
    expected_winner = models.ForeignKey(System, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expected_grade = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A rating item's known grade (index into the study's scale)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"gold {self.comparison_id}"


class Assignment(models.Model):
    """A lease: `rater` may vote on `comparison` until `expires_at`. `token` is the only
    handle a rater's page carries; `swapped` means the comparison's stored right response
    is shown on the left."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        VOTED = "voted", "Voted"
        EXPIRED = "expired", "Expired"

    # No single-column indexes: (rater, comparison) and (comparison, state) below serve both
    # keys, and every index is paid for on the rater path (a lease's insert and state change).
    rater = models.ForeignKey(Rater, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    token = models.CharField(max_length=64, default=new_token)
    swapped = models.BooleanField()
    is_gold = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    served_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rater", "comparison"], name="assignment_once_per_rater"),
            models.UniqueConstraint(
                fields=["rater"], condition=Q(state="pending"), name="assignment_one_pending_per_rater"
            ),
            models.UniqueConstraint(fields=["token"], name="assignment_token_unique"),  # no LIKE index
        ]
        indexes = [models.Index(fields=["comparison", "state"]), models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"assignment {self.pk} ({self.state})"


class Vote(models.Model):
    """One rater's judgement of one comparison, sides as the rater saw them. `winner` is
    derived on the server from `choice` and the shown sides (null for a tie and for "both are
    bad", which is kept apart from a tie: only a study that offers it takes it).

    A vote on a rating item (Study.is_rating) has the choice "grade" and a `grade` (an index
    into the study's scale, 0 the lowest), or for a dialogue the choice "turns" and
    `turn_grades` (one index per assistant turn); it shows one response (`shown_right` null)
    and names no winner. A vote of a per-turn study (Study.per_turn: two dialogue continuations)
    has the choice "per_turn" and `turn_choices`, one pairwise choice per assistant turn as
    shown; its `winner` is the system chosen in more turns than the other (null when as many).
    Check constraints keep the kinds apart."""

    PAIRWISE = ("left", "right", "tie", "both_bad")

    class Choice(models.TextChoices):
        LEFT = "left", "Left (Response A) is better"
        RIGHT = "right", "Right (Response B) is better"
        TIE = "tie", "Neither is significantly better"
        BOTH_BAD = "both_bad", "Both are bad"
        GRADE = "grade", "A grade on the study's scale"
        TURNS = "turns", "A grade per assistant turn"
        PER_TURN = "per_turn", "A pairwise choice per assistant turn"

    rater = models.ForeignKey(
        Rater, on_delete=models.CASCADE, related_name="votes", db_index=False
    )  # (rater, comparison)
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="votes")
    assignment = models.OneToOneField(Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="vote")
    shown_left = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    shown_right = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    choice = models.CharField(max_length=8, choices=Choice.choices)
    grade = models.PositiveSmallIntegerField(null=True, blank=True, help_text="A rating vote's grade (0 = lowest).")
    turn_grades = models.JSONField(null=True, blank=True, help_text="A dialogue vote's grade per assistant turn.")
    turn_choices = models.JSONField(
        null=True,
        blank=True,
        help_text='A per-turn vote\'s choice per assistant turn, as shown: "left", "right", "tie" or "both_bad".',
    )
    winner = models.ForeignKey(System, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    seconds = models.FloatField(help_text="Time on task, from serving the pair to the vote (server clock).")
    rationale = models.TextField(blank=True)
    is_gold = models.BooleanField(default=False)
    imported = models.BooleanField(default=False)
    simulated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["rater", "comparison"], name="vote_once_per_rater_and_comparison"),
            models.CheckConstraint(condition=~Q(shown_left=F("shown_right")), name="vote_two_shown_responses"),
            models.CheckConstraint(condition=Q(seconds__gte=0), name="vote_seconds_not_negative"),
            models.CheckConstraint(
                condition=Q(
                    choice__in=("left", "right", "tie", "both_bad"),
                    shown_right__isnull=False,
                    grade__isnull=True,
                    turn_grades__isnull=True,
                    turn_choices__isnull=True,
                )
                | Q(
                    choice="grade",
                    shown_right__isnull=True,
                    grade__isnull=False,
                    turn_grades__isnull=True,
                    turn_choices__isnull=True,
                )
                | Q(
                    choice="turns",
                    shown_right__isnull=True,
                    grade__isnull=True,
                    turn_grades__isnull=False,
                    turn_choices__isnull=True,
                )
                | Q(
                    choice="per_turn",
                    shown_right__isnull=False,
                    grade__isnull=True,
                    turn_grades__isnull=True,
                    turn_choices__isnull=False,
                ),
                name="vote_pairwise_or_graded",
            ),
            models.CheckConstraint(condition=Q(grade__isnull=True) | Q(grade__lt=10), name="vote_grade_range"),
        ]
        # comparison and rater are indexed as foreign keys (the results count by comparison).

    def __str__(self) -> str:
        return f"vote {self.pk}: {self.choice}"


def new_rank() -> float:
    return secrets.randbelow(2**31) / 2**31


class Coverage(models.Model):
    """How full a comparison is (votes that count plus live leases): a hint kept beside each
    comparison so the next pair is found by an index scan instead of counting every
    comparison's votes. Only a hint: the cap is checked with exact counts under a lock on
    this row, and every check writes the exact count back (see raters.services.coverage).
    `rank` is a random tie-break, so raters do not all start with the same comparison."""

    comparison = models.OneToOneField(Comparison, on_delete=models.CASCADE, primary_key=True, related_name="coverage")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="+", db_index=False)  # coverage_next_pair
    filled = models.PositiveIntegerField(default=0)
    rank = models.FloatField(default=new_rank)

    class Meta:
        indexes = [models.Index(fields=["study", "filled", "rank"], name="coverage_next_pair")]

    def __str__(self) -> str:
        return f"coverage of {self.comparison_id}: {self.filled}"


class EntryCount(models.Model):
    """New raters per client address and 10-minute window (raters.services.ratelimit): kept in
    PostgreSQL, so counting needs no other server on the rater's path."""

    address = models.CharField(max_length=64)
    window_start = models.BigIntegerField(help_text="Start of the window, in seconds since the epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["address", "window_start"], name="entry_count_unique")]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.count} entries from {self.address}"


class RenderedPrompt(models.Model):
    """A prompt's Markdown (and its earlier turns'), rendered and sanitized ahead of the rater
    pages by raters.services.render_ahead under the rendering rules `rules`
    (raters.rendering.RULES); a page whose rules differ renders the text itself."""

    prompt = models.OneToOneField(Prompt, on_delete=models.CASCADE, primary_key=True, related_name="rendered")
    rules = models.CharField(max_length=32)
    html = models.TextField()
    turns_html = models.JSONField(default=list, help_text="The earlier turns' HTML, in order.")

    def __str__(self) -> str:
        return f"rendered prompt {self.prompt_id}"


class RenderedResponse(models.Model):
    """A response's Markdown rendered and sanitized ahead of the rater pages (see RenderedPrompt)."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, primary_key=True, related_name="rendered")
    rules = models.CharField(max_length=32)
    html = models.TextField()

    def __str__(self) -> str:
        return f"rendered response {self.response_id}"
