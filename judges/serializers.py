"""Input and output serializers of the judges API (HTTP only; writes go through services).
The API key is never an input or an output: only the NAME of the variable that holds it."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from judges.models import Judge, JudgeCall


class JudgeCreateSerializer(serializers.Serializer):
    name = serializers.SlugField(
        max_length=100, help_text="Unique in the study; the judge votes as rater judge:<name>."
    )
    base_url = serializers.URLField(max_length=500, help_text="OpenAI-compatible base URL, e.g. http://vllm:8000/v1")
    model = serializers.CharField(max_length=200)
    api_key_env = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Name of the environment variable (in the workers) that holds the key.",
    )
    prompt_template = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Defaults to one built from the study's question and choices.",
    )
    order_policy = serializers.ChoiceField(
        choices=Judge.OrderPolicy.choices,
        required=False,
        help_text='Default "both" on a pairwise study; a rating or dialogue study\'s grader has "none".',
    )
    temperature = serializers.FloatField(min_value=0, max_value=2, default=0.0)
    max_tokens = serializers.IntegerField(min_value=1, max_value=32768, default=256)
    max_concurrency = serializers.IntegerField(min_value=1, max_value=1000, default=4)
    timeout_seconds = serializers.FloatField(min_value=0.1, max_value=3600, default=60.0)
    max_attempts = serializers.IntegerField(min_value=1, max_value=20, default=4)
    price_prompt_per_1k = serializers.DecimalField(max_digits=12, decimal_places=6, min_value=0, default=Decimal(0))
    price_completion_per_1k = serializers.DecimalField(max_digits=12, decimal_places=6, min_value=0, default=Decimal(0))

    def validate_api_key_env(self, value: str) -> str:
        if len(value) > 40 and not value.isupper():
            raise serializers.ValidationError("give the NAME of an environment variable, not the key itself")
        return value


class JudgeRunSerializer(serializers.Serializer):
    retry_failed = serializers.BooleanField(default=True, help_text="Try retryable failures again.")
    retry_lost = serializers.BooleanField(
        default=False, help_text="Also try calls left in flight by a worker that died (they may have been paid for)."
    )


class JudgeSerializer(serializers.ModelSerializer):
    rater = serializers.CharField(source="rater.external_id")

    class Meta:
        model = Judge
        fields = [
            "name",
            "rater",
            "base_url",
            "model",
            "api_key_env",
            "prompt_template",
            "order_policy",
            "temperature",
            "max_tokens",
            "max_concurrency",
            "timeout_seconds",
            "max_attempts",
            "price_prompt_per_1k",
            "price_completion_per_1k",
            "created_at",
        ]


class JudgeStatusSerializer(serializers.Serializer):
    comparisons = serializers.IntegerField()
    calls = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField())
    in_flight = serializers.IntegerField()
    lost = serializers.IntegerField(help_text="In flight for longer than any call can take: its worker died.")
    failed_retryable = serializers.IntegerField()
    unparseable = serializers.IntegerField()
    verdicts = serializers.DictField(child=serializers.IntegerField())
    grades = serializers.DictField(
        child=serializers.IntegerField(), help_text="A grader's answered grades per label (each turn one)."
    )
    votes = serializers.IntegerField()
    order_disagreements = serializers.IntegerField()
    requests = serializers.IntegerField()
    tokens = serializers.DictField(child=serializers.IntegerField())
    cost = serializers.CharField(help_text="In the currency of the prices, as a decimal string.")
    # A field of the response JSON (DRF's metaclass takes it off the class; Serializer.errors stays).
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]


class JudgeDetailSerializer(JudgeSerializer):
    status = JudgeStatusSerializer(source="_status")

    class Meta(JudgeSerializer.Meta):
        fields = JudgeSerializer.Meta.fields + ["status"]


class JudgeCallSerializer(serializers.ModelSerializer):
    prompt_id = serializers.CharField(source="comparison.prompt.external_id")

    class Meta:
        model = JudgeCall
        fields = [
            "id",
            "comparison",
            "prompt_id",
            "order",
            "state",
            "retryable",
            "runs",
            "attempts",
            "verdict",
            "grades",
            "raw_answer",
            "error",
            "http_status",
            "prompt_tokens",
            "completion_tokens",
            "cost",
            "seconds",
            "claimed_at",
            "finished_at",
        ]
