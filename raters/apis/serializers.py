"""Input and output serializers of the raters API (translation only: writes go through
raters.services)."""

from __future__ import annotations

from rest_framework import serializers

from raters.models import GoldPair, Rater, StudyRaterSettings


class RaterSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = StudyRaterSettings
        fields = [
            "guidelines",
            "quota",
            "completion_code",
            "prolific_completion_url",
            "allow_anonymous",
            "allow_prolific",
            "allow_invite",
            "reveal_policy",
            "lease_minutes",
            "gold_rate",
            "min_median_seconds",
            "min_gold_accuracy",
            "researcher_name",
            "researcher_contact",
            "estimated_minutes",
            "pay",
            "data_use",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            "quota": {"min_value": 1, "max_value": 10000},
            "lease_minutes": {"min_value": 1, "max_value": 24 * 60},
            "gold_rate": {"min_value": 0, "max_value": 1},
            "min_median_seconds": {"min_value": 0},
            "min_gold_accuracy": {"min_value": 0, "max_value": 1},
            "completion_code": {"min_length": 1},
            "estimated_minutes": {"min_value": 1, "max_value": 24 * 60},
        }


class RaterStatsSerializer(serializers.Serializer):
    votes = serializers.IntegerField()
    gold_votes = serializers.IntegerField()
    gold_correct = serializers.IntegerField()
    gold_accuracy = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(allow_null=True)
    tie_share = serializers.FloatField(allow_null=True)
    left_share = serializers.FloatField(allow_null=True)
    flags = serializers.ListField(
        child=serializers.CharField(), help_text="too_fast, one_side, all_ties, failed_checks"
    )


class RaterSerializer(serializers.ModelSerializer):
    stats = RaterStatsSerializer(source="_stats", allow_null=True)

    class Meta:
        model = Rater
        fields = [
            "id",
            "external_id",
            "source",
            "group",
            "prolific_study_id",
            "prolific_session_id",
            "consented_at",
            "finished_at",
            "excluded",
            "excluded_reason",
            "created_at",
            "stats",
        ]


class ExcludeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the rater is excluded (kept with the rater).")


class InviteSerializer(serializers.Serializer):
    name = serializers.RegexField(
        r"^[A-Za-z0-9_.@:-]{1,200}$", help_text="The rater's name in the study (letters, digits, _ . @ : -)."
    )
    group = serializers.ChoiceField(choices=["expert", "author", "crowd"], default="expert")


class InviteOutSerializer(serializers.Serializer):
    rater = RaterSerializer()
    url = serializers.URLField(help_text="The rater's personal link; it works only for this study.")


class GoldInSerializer(serializers.Serializer):
    prompt_id = serializers.CharField(max_length=200, help_text="The prompt's id in the study.")
    systems = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=1,
        max_length=2,
        help_text="The comparison's two systems (a rating study: the one system whose response is graded).",
    )
    expected = serializers.CharField(
        max_length=100, help_text='The system that should win, or "tie"; a rating study: the grade (a label or index).'
    )
    kind = serializers.ChoiceField(choices=GoldPair.Kind.choices, default=GoldPair.Kind.GOLD)


class GoldOutSerializer(serializers.ModelSerializer):
    comparison = serializers.IntegerField(source="comparison_id")
    prompt_id = serializers.CharField(source="comparison.prompt.external_id")
    systems = serializers.SerializerMethodField()
    expected = serializers.SerializerMethodField()

    class Meta:
        model = GoldPair
        fields = ["comparison", "prompt_id", "systems", "expected", "kind", "created_at"]

    def get_systems(self, gold: GoldPair) -> list[str]:
        c = gold.comparison
        if c.right_response is None:
            return [c.left_response.system.name]
        return sorted([c.left_response.system.name, c.right_response.system.name])

    def get_expected(self, gold: GoldPair) -> str:
        if gold.expected_grade is not None:
            scale = gold.comparison.study.scale
            return scale[gold.expected_grade] if gold.expected_grade < len(scale) else str(gold.expected_grade)
        winner = gold.expected_winner
        return winner.name if winner is not None else "tie"


class AttentionInSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=200, help_text="How many attention checks to add.")
