"""The study domain: systems, studies, prompts, responses, comparisons and upload jobs.

Invariants kept by the database (see ../shared/DESIGN.md):
- one Response per (prompt, system);
- one Comparison per (prompt, unordered pair of systems): `pair_key` is the two system
  ids in ascending order, "low:high", unique together with the prompt;
- one Prompt per (study, external id).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

DEFAULT_QUESTION = "Which response is better?"
DEFAULT_CHOICE_A = "Response A is significantly better"
DEFAULT_CHOICE_B = "Response B is significantly better"
DEFAULT_CHOICE_TIE = "Neither is significantly better"
DEFAULT_CHOICE_BOTH_BAD = "Both are bad"


def new_seed() -> int:
    return secrets.randbelow(2**31)


class System(models.Model):
    """A model under evaluation. Names are global: one "GPT-4" across studies."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    version = models.CharField(max_length=100, blank=True)
    generated_on = models.DateField(null=True, blank=True, help_text="When its outputs were generated.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Study(models.Model):
    class Design(models.TextChoices):
        FOCAL = "focal", "Focal system against each baseline"
        ALL_PAIRS = "all_pairs", "Every pair of systems"
        RATING = "rating", "Each response graded on its own (absolute rating)"
        DIALOGUE = "dialogue", "Each assistant turn of a conversation graded (absolute rating)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="studies")
    design = models.CharField(max_length=20, choices=Design.choices)
    focal_system = models.ForeignKey(
        System, on_delete=models.PROTECT, null=True, blank=True, related_name="focal_studies"
    )
    systems = models.ManyToManyField(System, through="StudySystem", related_name="studies")
    question = models.CharField(max_length=500, default=DEFAULT_QUESTION)
    choice_a = models.CharField(max_length=200, default=DEFAULT_CHOICE_A)
    choice_b = models.CharField(max_length=200, default=DEFAULT_CHOICE_B)
    choice_tie = models.CharField(max_length=200, default=DEFAULT_CHOICE_TIE)
    offer_both_bad = models.BooleanField(
        default=False, help_text='Offer "both are bad" as a fourth choice, kept apart from a tie (issue 16).'
    )
    choice_both_bad = models.CharField(max_length=200, default=DEFAULT_CHOICE_BOTH_BAD)
    per_turn = models.BooleanField(
        default=False,
        help_text="A pairwise study of dialogue continuations: raters choose per assistant turn (issue 16).",
    )
    scale = models.JSONField(
        default=list,
        blank=True,
        help_text="A rating study's ordered grade labels, lowest first (comparisons.grading); empty when pairwise.",
    )
    votes_per_comparison = models.PositiveIntegerField(default=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    seed = models.BigIntegerField(default=new_seed, help_text="Seeds the left/right draw of comparisons.")
    queue_report = models.JSONField(default=dict, blank=True, help_text="The last comparison build's report.")
    stopping = models.JSONField(
        null=True,
        blank=True,
        help_text="Stopping rules per pair (comparisons.stats.stopping): a list such as "
        '[{"rule": "verdict"}, {"rule": "precision", "half_width": 0.05}, {"rule": "budget", "max_votes": 600}].',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "studies"
        constraints = [
            models.CheckConstraint(
                condition=Q(votes_per_comparison__gte=1) & Q(votes_per_comparison__lte=1000),
                name="study_votes_per_comparison_range",
            ),
            models.CheckConstraint(
                condition=~Q(design="focal") | Q(focal_system__isnull=False),
                name="study_focal_design_has_focal_system",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_rating(self) -> bool:
        """Whether raters grade one response (or conversation) at a time instead of comparing two."""
        return self.design in (Study.Design.RATING, Study.Design.DIALOGUE)


class StudySystem(models.Model):
    """A system's membership in a study (for a focal study: the focal one or a baseline)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE)
    system = models.ForeignKey(System, on_delete=models.PROTECT)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["study", "system"], name="study_system_unique")]

    def __str__(self) -> str:
        return f"system {self.system_id} in study {self.study_id}"


class Prompt(models.Model):
    """A test prompt. `text` is what the responses answer: the prompt itself, or for a
    multi-turn conversation the last user turn. `turns` holds the whole conversation as
    [{"role": "user" | "assistant", "content": str}, ...] ending with that user turn, and is
    empty for a single-turn prompt."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="prompts")
    external_id = models.CharField(max_length=200)
    text = models.TextField()
    turns = models.JSONField(default=list, blank=True)
    category = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "external_id"], name="prompt_external_id_unique_in_study")
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def is_multi_turn(self) -> bool:
        return bool(self.turns)


class Response(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="responses")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="responses")
    text = models.TextField()
    metadata = models.JSONField(default=dict, blank=True)
    length = models.PositiveIntegerField(help_text="Length of the text in characters.")
    reveals = models.JSONField(
        default=list,
        blank=True,
        help_text="What in the text names a model, its maker or its nature (comparisons/reveal.py).",
    )
    masked_text = models.TextField(blank=True, help_text="The text raters see when `reveals` is not empty.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prompt", "system"], name="response_prompt_system_unique")]

    def __str__(self) -> str:
        return f"{self.system_id} on {self.prompt_id}"


def pair_key(system_id_1: int, system_id_2: int) -> str:
    low, high = sorted((system_id_1, system_id_2))
    return f"{low}:{high}"


def rating_key(system_id: int) -> str:
    """The `pair_key` of a rating item: its one system's id."""
    return str(system_id)


class Comparison(models.Model):
    """Two responses to one prompt, as a rater will see them: `left_response` is shown
    on the left (as "Response A"). The side was drawn from the study's seed and is stored.

    In a rating study (Study.is_rating) an item is one response to grade: `left_response` is
    it, `right_response` is null and `pair_key` is its system's id alone (rating_key)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="comparisons")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="comparisons")
    left_response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    right_response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="+", null=True, blank=True, help_text="Null: a rating item."
    )
    pair_key = models.CharField(
        max_length=50, help_text='The two system ids, ascending: "low:high"; a rating item\'s system id alone.'
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["prompt", "pair_key"], name="comparison_prompt_pair_unique"),
            models.CheckConstraint(
                condition=~Q(left_response=models.F("right_response")), name="comparison_two_responses"
            ),
            models.CheckConstraint(  # a pair names two systems, a rating item one
                condition=Q(right_response__isnull=False, pair_key__contains=":")
                | Q(right_response__isnull=True) & ~Q(pair_key__contains=":"),
                name="comparison_pair_or_rating_item",
            ),
        ]
        indexes = [models.Index(fields=["study", "pair_key"])]

    def __str__(self) -> str:
        return f"comparison {self.pk} (prompt {self.prompt_id}, systems {self.pair_key})"


class UploadJob(models.Model):
    """A large upload of model outputs, written by a Celery task (all or nothing)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="upload_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    replace = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    payload = models.TextField(blank=True, help_text="The validated rows as JSON; emptied once written.")
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"upload job {self.pk} ({self.status})"
