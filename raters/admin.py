"""Admin for raters: settings per study, raters (with exclude / include actions), gold
pairs, assignments and votes (read-only: votes are written by the services only)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from raters import services
from raters.models import Assignment, GoldPair, Rater, StudyRaterSettings, Vote


@admin.register(StudyRaterSettings)
class StudyRaterSettingsAdmin(admin.ModelAdmin):
    list_display = ["study", "quota", "gold_rate", "allow_anonymous", "lease_minutes", "updated_at"]
    raw_id_fields = ["study"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Rater)
class RaterAdmin(admin.ModelAdmin):
    list_display = ["external_id", "study", "source", "group", "excluded", "consented_at", "finished_at", "created_at"]
    list_filter = ["source", "group", "excluded", "study"]
    search_fields = ["external_id", "prolific_session_id"]
    raw_id_fields = ["study"]
    actions = ["exclude_raters", "include_raters"]

    @admin.action(description="Exclude the selected raters (their votes leave the results)")
    def exclude_raters(self, request: HttpRequest, queryset: QuerySet[Rater]) -> None:
        for rater in queryset:
            services.rater_exclude(rater=rater, reason=f"excluded in the admin by {request.user.get_username()}")

    @admin.action(description="Include the selected raters again")
    def include_raters(self, request: HttpRequest, queryset: QuerySet[Rater]) -> None:
        for rater in queryset:
            services.rater_include(rater=rater)


@admin.register(GoldPair)
class GoldPairAdmin(admin.ModelAdmin):
    list_display = ["comparison", "kind", "expected_winner", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["comparison", "expected_winner"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "rater", "comparison", "state", "is_gold", "swapped", "served_at", "expires_at"]
    list_filter = ["state", "is_gold"]
    raw_id_fields = ["rater", "comparison"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["id", "rater", "comparison", "choice", "winner", "seconds", "is_gold", "imported", "created_at"]
    list_filter = ["choice", "is_gold", "imported", "simulated"]
    raw_id_fields = ["rater", "comparison", "assignment", "shown_left", "shown_right", "winner"]

    def has_change_permission(self, request: HttpRequest, obj: Vote | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
