"""Input and output serializers of the researcher API. They translate HTTP only:
creation goes through the services, never through `serializer.save()`."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from comparisons.models import Study, UploadJob

STOPPING_HELP = (
    'Stopping rules per pair, one or a list: {"rule": "verdict"} (the win rate\'s anytime-valid interval '
    'excludes 1/2), {"rule": "precision", "half_width": 0.05}, {"rule": "budget", "max_votes": 600}; null for none. '
    "A settled pair's comparisons are no longer served."
)


class ChoicesSerializer(serializers.Serializer):
    a = serializers.CharField(
        max_length=200, help_text='Label of the left response winning, e.g. "Response A is significantly better".'
    )
    b = serializers.CharField(max_length=200, help_text="Label of the right response winning.")
    tie = serializers.CharField(max_length=200, help_text='Label of a tie, e.g. "Neither is significantly better".')
    both_bad = serializers.CharField(
        max_length=200,
        required=False,
        help_text='Label of "both are bad" (shown only when the study offers it, `both_bad`), default "Both are bad".',
    )


class StudyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=100,
        required=False,
        help_text="Defaults to random words (e.g. amber-falcon-42): never the name, which may name systems.",
    )
    design = serializers.ChoiceField(choices=Study.Design.choices)
    systems = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        allow_null=True,
        help_text="all_pairs: the systems to compare; rating and dialogue: the systems to grade.",
    )
    focal_system = serializers.CharField(
        max_length=100, required=False, allow_null=True, help_text="focal: the system under study."
    )
    baselines = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        allow_null=True,
        help_text="focal: the systems it is compared with.",
    )
    votes_per_comparison = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=3)
    question = serializers.CharField(max_length=500, required=False)
    choices = ChoicesSerializer(required=False)
    both_bad = serializers.BooleanField(
        required=False,
        default=False,
        help_text='Offer "both are bad" as a fourth choice, kept apart from a tie (votes `both_bad`); off by default.',
    )
    stopping = serializers.JSONField(required=False, allow_null=True, help_text=STOPPING_HELP)
    scale = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="rating and dialogue: the ordered grade labels, lowest first, 2 to 10 of them; default "
        '["Fail", "Pass", "Excellent"] (LIMA).',
    )
    per_turn = serializers.BooleanField(
        required=False,
        default=False,
        help_text="focal and all_pairs: the responses are dialogue continuations (lists of turns) and raters "
        "choose per assistant turn (votes `per_turn` with `turn_choices`); off by default.",
    )


class StudyUpdateSerializer(serializers.Serializer):
    stopping = serializers.JSONField(required=False, allow_null=True, help_text=STOPPING_HELP)
    both_bad = serializers.BooleanField(
        required=False,
        help_text='Offer "both are bad" as a fourth choice (votes `both_bad`); changes only while the study is a '
        "draft, since raters of an open study already answered with the choices it had.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError({"stopping": ["give `stopping`, `both_bad` or both"]})
        return attrs


class StudyCountsSerializer(serializers.Serializer):
    prompts = serializers.IntegerField()
    responses = serializers.DictField(child=serializers.IntegerField(), help_text="Responses per system name.")
    revealing_responses = serializers.IntegerField(
        help_text="Responses that reveal their author (masked for raters or held out, by the study's rater settings)."
    )
    comparisons = serializers.IntegerField()
    comparisons_by_pair = serializers.ListField(child=serializers.DictField())
    gold_comparisons = serializers.IntegerField(help_text="Gold pairs and attention checks (not in `comparisons`).")
    missing_responses = serializers.IntegerField(help_text="(prompt, system) combinations without a response.")


class StudySerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    focal_system = serializers.CharField(source="focal_system.name", allow_null=True, default=None)
    systems = serializers.SerializerMethodField()
    baselines = serializers.SerializerMethodField()
    choices = serializers.SerializerMethodField()
    both_bad = serializers.BooleanField(source="offer_both_bad", help_text='Whether raters may answer "both are bad".')
    url = serializers.HyperlinkedIdentityField(view_name="api-study-detail", lookup_field="slug")

    class Meta:
        model = Study
        fields = [
            "url",
            "name",
            "slug",
            "owner",
            "design",
            "status",
            "focal_system",
            "baselines",
            "systems",
            "question",
            "choices",
            "both_bad",
            "scale",
            "per_turn",
            "votes_per_comparison",
            "seed",
            "created_at",
            "opened_at",
            "closed_at",
            "stopping",
        ]

    def get_systems(self, study: Study) -> list[str]:
        return sorted(s.name for s in study.systems.all())

    def get_baselines(self, study: Study) -> list[str]:
        if study.design != Study.Design.FOCAL:
            return []
        return sorted(s.name for s in study.systems.all() if s.pk != study.focal_system_id)

    def get_choices(self, study: Study) -> dict[str, str]:
        """The labels raters see: "both_bad" only when the study offers it."""
        choices = {"a": study.choice_a, "b": study.choice_b, "tie": study.choice_tie}
        if study.offer_both_bad:
            choices["both_bad"] = study.choice_both_bad
        return choices


class StudyDetailSerializer(StudySerializer):
    counts = StudyCountsSerializer(source="_counts")
    queue_report = serializers.JSONField()

    class Meta(StudySerializer.Meta):
        fields = StudySerializer.Meta.fields + ["counts", "queue_report"]


class UploadCountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    replaced = serializers.IntegerField()
    prompts_created = serializers.IntegerField()
    prompts_replaced = serializers.IntegerField()
    systems_created = serializers.IntegerField()
    systems_added = serializers.IntegerField()


class OutputRowSerializer(serializers.Serializer):
    """Documentation of one upload row (validation is in comparisons.ingest.rows)."""

    prompt_id = serializers.CharField(max_length=200, help_text="The prompt's id, unique in the study.")
    prompt = serializers.JSONField(
        required=False,
        help_text="The prompt's text, or a list of turns {role: user|assistant, content} ending with a user "
        "turn. Needed the first time a prompt_id appears; may be left out after.",
    )
    system = serializers.CharField(max_length=100, help_text="The model's name.")
    response = serializers.CharField(help_text="The model's response.")
    category = serializers.CharField(max_length=100, required=False)
    metadata = serializers.DictField(required=False, help_text="Sampling settings, token counts, ...")


class UploadFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .jsonl (one row per line) or .json (an array of rows) file.")


class ErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="1-based row (JSON Lines: line number), or null.")
    field = serializers.CharField()
    reason = serializers.CharField()


class ErrorResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    error_count = serializers.IntegerField(required=False)
    # A field of the error JSON (DRF's metaclass takes it off the class; Serializer.errors stays).
    errors = ErrorSerializer(many=True, required=False, help_text="The first 100 errors.")  # type: ignore[assignment]


class JobSerializer(serializers.ModelSerializer):
    study = serializers.CharField(source="study.slug")
    url = serializers.HyperlinkedIdentityField(view_name="api-job-detail")
    processed_rows = serializers.IntegerField(source="_processed_rows")

    class Meta:
        model = UploadJob
        fields = [
            "id",
            "url",
            "study",
            "status",
            "replace",
            "total_rows",
            "processed_rows",
            "counts",
            "errors",
            "error_status",
            "created_at",
            "started_at",
            "finished_at",
        ]
