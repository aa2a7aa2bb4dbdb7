from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from prolific.models import Action, BonusBatch, BonusLine, ProlificLink, Submission


@admin.register(ProlificLink)
class ProlificLinkAdmin(admin.ModelAdmin):
    list_display = ["study", "prolific_study_id", "url_check", "prolific_status", "places", "last_synced_at"]
    readonly_fields = ["last_synced_at", "last_error", "last_error_at", "sync_until", "created_by"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["submission_id", "participant_id", "status", "decision", "reason", "updated_at"]
    list_filter = ["status", "decision"]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["link", "kind", "key", "state", "by", "created_at", "finished_at"]
    list_filter = ["kind", "state"]

    def has_change_permission(
        self, request: HttpRequest, obj: Action | None = None
    ) -> bool:  # the record of what was done stays as it was
        return False


class BonusLineInline(admin.TabularInline):
    model = BonusLine
    extra = 0
    can_delete = False
    readonly_fields = ["submission", "participant_id", "amount", "counted_votes", "gold_correct"]


@admin.register(BonusBatch)
class BonusBatchAdmin(admin.ModelAdmin):
    list_display = ["link", "state", "prolific_batch_id", "total", "created_at", "paid_at"]
    list_filter = ["state"]
    readonly_fields = ["state", "prolific_batch_id", "total", "prolific_total", "paid_at", "batch_created_at"]
    inlines = [BonusLineInline]
