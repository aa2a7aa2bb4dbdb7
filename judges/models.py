"""LLM judges of a study and their calls.

A Judge is an OpenAI-compatible chat-completions endpoint with a model, a prompt template and
an order policy; it votes as its own Rater (source and group "judge"). The API key is never
stored: `api_key_env` names the environment variable that holds it.

A JudgeCall is one request for one (judge, comparison, order). Its `state` is the claim:
pending -> running (in flight; a worker claimed it with a conditional update) -> done |
unparseable | failed. A running call is never picked up again by a re-run, so a comparison is
never paid for twice, even when a worker dies mid-call (see judges/services.py)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from comparisons.models import Comparison, Study


class Endpoint(models.Model):
    """An OpenAI-compatible chat-completions endpoint and how to call it (judges and
    collections share it): the API key is never stored, `api_key_env` names its variable."""

    base_url = models.URLField(max_length=500, help_text="OpenAI-compatible, e.g. https://api.openai.com/v1")
    model = models.CharField(max_length=200)
    api_key_env = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable holding the key."
    )
    temperature = models.FloatField(default=0.0)
    max_tokens = models.PositiveIntegerField(default=256)
    max_concurrency = models.PositiveSmallIntegerField(
        default=4, help_text="Requests in flight to this endpoint, all workers together."
    )
    timeout_seconds = models.FloatField(default=60.0)
    max_attempts = models.PositiveSmallIntegerField(default=4, help_text="Tries per call on 429, 5xx and timeouts.")
    price_prompt_per_1k = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0))
    price_completion_per_1k = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(0))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Judge(Endpoint):
    class OrderPolicy(models.TextChoices):
        BOTH = "both", "Both orders; disagreement is a tie (MT-Bench)"
        RANDOM_ONE = "random_one", "One order, drawn at random (seeded)"
        NONE = "none", "One response, no order (a grader of a rating or dialogue study)"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="judges")
    name = models.SlugField(max_length=100, help_text="Unique in the study; the judge votes as rater judge:<name>.")
    rater = models.OneToOneField("raters.Rater", on_delete=models.PROTECT, related_name="judge")
    prompt_template = models.TextField(help_text="string.Template with $question, $prompt, $response_a, ...")
    order_policy = models.CharField(max_length=10, choices=OrderPolicy.choices, default=OrderPolicy.BOTH)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "name"], name="judge_name_unique_in_study"),
            models.CheckConstraint(condition=Q(max_concurrency__gte=1), name="judge_concurrency_positive"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="judge_attempts_positive"),
            models.CheckConstraint(condition=Q(timeout_seconds__gt=0), name="judge_timeout_positive"),
            models.CheckConstraint(
                condition=Q(price_prompt_per_1k__gte=0) & Q(price_completion_per_1k__gte=0),
                name="judge_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"judge {self.name} ({self.model})"


class JudgeCall(models.Model):
    class Order(models.TextChoices):
        AB = "ab", "As stored: the comparison's left response is A"
        BA = "ba", "Swapped: the comparison's right response is A"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "In flight"
        DONE = "done", "Done"
        UNPARSEABLE = "unparseable", "Answered, verdict unparseable"
        FAILED = "failed", "Failed"

    class Verdict(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        TIE = "tie", "tie"
        BOTH_BAD = "both_bad", "both bad"

    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="calls")
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="judge_calls")
    order = models.CharField(max_length=2, choices=Order.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    retryable = models.BooleanField(default=False, help_text="A failure a re-run may try again.")
    runs = models.PositiveIntegerField(default=0, help_text="Times a worker claimed it.")
    attempts = models.PositiveIntegerField(default=0, help_text="HTTP requests sent, all runs together.")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=8, default=Decimal(0))
    seconds = models.FloatField(default=0.0)
    raw_answer = models.TextField(blank=True)
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True)
    grades = models.JSONField(
        null=True,
        blank=True,
        help_text="A grader's answer on a rating study: grade indices into the scale (one per assistant turn).",
    )
    error = models.TextField(blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["judge", "comparison", "order"], name="judge_call_once_per_order"),
        ]
        indexes = [models.Index(fields=["judge", "state"])]

    def __str__(self) -> str:
        return f"call {self.pk} ({self.state})"


class Collection(Endpoint):
    """Collecting one system's responses to a study's prompts from an OpenAI-compatible
    endpoint (a model served by vLLM, say). Each answer becomes an uploaded output row, through
    comparisons.services.outputs_upload, so it obeys every upload rule."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="collections")
    system = models.CharField(max_length=100, help_text="The system the responses are stored under.")
    max_tokens = models.PositiveIntegerField(default=1024)
    timeout_seconds = models.FloatField(default=120.0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "system"], name="collection_system_unique_in_study"),
            models.CheckConstraint(condition=Q(max_concurrency__gte=1), name="collection_concurrency_positive"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="collection_attempts_positive"),
            models.CheckConstraint(condition=Q(timeout_seconds__gt=0), name="collection_timeout_positive"),
        ]

    def __str__(self) -> str:
        return f"collection of {self.system} ({self.model})"


class Generation(models.Model):
    """One prompt's request of a collection; claimed like a JudgeCall. `answered` means the
    endpoint's text is stored here, so writing it again never calls the endpoint again."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "In flight"
        DONE = "done", "Done (response stored)"
        FAILED = "failed", "Failed"

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="generations")
    prompt = models.ForeignKey("comparisons.Prompt", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    retryable = models.BooleanField(default=False)
    runs = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    answered = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    finish_reason = models.CharField(max_length=50, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=8, default=Decimal(0))
    seconds = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["collection", "prompt"], name="generation_once_per_prompt")]
        indexes = [models.Index(fields=["collection", "state"])]

    def __str__(self) -> str:
        return f"generation of prompt {self.prompt_id} for collection {self.collection_id} ({self.state})"
