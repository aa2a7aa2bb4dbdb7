from django.contrib import admin
from django.db import models

from judges.models import Collection, Generation, Judge, JudgeCall


@admin.register(Judge)
class JudgeAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, no warning
    list_display = ["name", "study", "model", "base_url", "order_policy", "max_concurrency", "created_at"]
    list_filter = ["order_policy"]
    search_fields = ["name", "model", "study__slug"]
    raw_id_fields = ["study", "rater"]
    readonly_fields = ["rater", "created_at"]


@admin.register(JudgeCall)
class JudgeCallAdmin(admin.ModelAdmin):
    list_display = ["id", "judge", "comparison", "order", "state", "verdict", "attempts", "cost", "claimed_at"]
    list_filter = ["state", "verdict", "order"]
    search_fields = ["judge__name", "error"]
    raw_id_fields = ["judge", "comparison"]
    readonly_fields = [f.name for f in JudgeCall._meta.fields]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, no warning
    list_display = ["system", "study", "model", "base_url", "created_at"]
    search_fields = ["system", "model", "study__slug"]
    raw_id_fields = ["study"]


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["id", "collection", "prompt", "state", "answered", "attempts", "cost", "claimed_at"]
    list_filter = ["state", "answered"]
    raw_id_fields = ["collection", "prompt"]
    readonly_fields = [f.name for f in Generation._meta.fields]
