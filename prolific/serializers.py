"""Input and output shapes of the Prolific API (the token never appears in any of them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from prolific.models import Action, BonusBatch, ProlificLink, Submission
from prolific.services.link import study_url

POLICY_FIELDS = [
    "count_returned_votes",
    "auto_approve",
    "auto_reject",
    "manage_places",
    "bonus_per_vote",
    "bonus_per_gold_correct",
]


class LinkInputSerializer(serializers.Serializer):
    study_id = serializers.RegexField(r"^[A-Za-z0-9_-]{1,100}$", help_text="Prolific's study id.")
    fix = serializers.BooleanField(default=True, help_text="Fix a wrong study URL or completion code on Prolific.")
    rater_url = serializers.URLField(
        required=False, help_text="Our rater URL as Prolific opens it; default: this server's /r/{slug}/."
    )
    count_returned_votes = serializers.BooleanField(default=False)
    auto_approve = serializers.BooleanField(default=True)
    auto_reject = serializers.BooleanField(default=True)
    manage_places = serializers.BooleanField(default=True)
    bonus_per_vote = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal(0), default=Decimal(0))
    bonus_per_gold_correct = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
    )


class ActionSerializer(serializers.ModelSerializer):
    submission = serializers.CharField(source="submission.submission_id", default=None)

    class Meta:
        model = Action
        fields = ["id", "kind", "key", "submission", "state", "detail", "error", "by", "created_at", "finished_at"]


class SubmissionSerializer(serializers.ModelSerializer):
    rater = serializers.IntegerField(source="rater_id", allow_null=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "submission_id",
            "participant_id",
            "rater",
            "status",
            "started_at",
            "completed_at",
            "entered_code",
            "decision",
            "reason",
            "actions",
        ]

    def get_actions(self, sub: Submission) -> list[dict]:
        return [
            {"kind": a.kind, "state": a.state, "error": a.error, "by": a.by, "at": a.finished_at or a.created_at}
            for a in sub.actions.all()
        ]


class BonusBatchSerializer(serializers.ModelSerializer):
    participants = serializers.IntegerField(source="lines.count")

    class Meta:
        model = BonusBatch
        fields = [
            "id",
            "state",
            "prolific_batch_id",
            "total",
            "prolific_total",
            "participants",
            "error",
            "created_at",
            "batch_created_at",
            "paid_at",
            "resolved_by",
        ]


class LinkSerializer(serializers.ModelSerializer):
    study_url = serializers.SerializerMethodField(help_text="The URL to paste into Prolific.")
    policies = serializers.SerializerMethodField()
    submissions = SubmissionSerializer(many=True)
    bonuses = BonusBatchSerializer(many=True, source="bonus_batches")
    actions = serializers.SerializerMethodField()

    class Meta:
        model = ProlificLink
        fields = [
            "prolific_study_id",
            "rater_url",
            "study_url",
            "url_check",
            "policies",
            "prolific_status",
            "places",
            "places_taken",
            "last_synced_at",
            "last_error",
            "last_error_at",
            "created_by",
            "submissions",
            "bonuses",
            "actions",
        ]

    def get_study_url(self, link: ProlificLink) -> str:
        return study_url(link.rater_url)

    def get_policies(self, link: ProlificLink) -> dict:
        return {
            name: (str(v) if name.startswith("bonus") else v) for name in POLICY_FIELDS for v in [getattr(link, name)]
        }

    def get_actions(self, link: ProlificLink) -> Any:
        return ActionSerializer(link.actions.select_related("submission").order_by("-id")[:100], many=True).data


class ResolveInputSerializer(serializers.Serializer):
    paid = serializers.BooleanField(help_text="true: Prolific shows the batch paid; false: it does not (pay it once).")
