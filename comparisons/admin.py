from django.contrib import admin

from comparisons.models import Comparison, Prompt, Response, Study, StudySystem, System, UploadJob


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "generated_on", "created_at"]
    search_fields = ["name", "description"]


class StudySystemInline(admin.TabularInline):
    model = StudySystem
    extra = 0
    autocomplete_fields = ["system"]


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "design", "status", "owner", "votes_per_comparison", "created_at"]
    list_filter = ["design", "status"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StudySystemInline]
    raw_id_fields = ["owner", "focal_system"]
    readonly_fields = ["queue_report", "opened_at", "closed_at"]


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["external_id", "study", "category", "created_at"]
    list_filter = ["study", "category"]
    search_fields = ["external_id", "text"]
    raw_id_fields = ["study"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "prompt", "system", "length", "created_at"]
    list_filter = ["system"]
    search_fields = ["prompt__external_id", "text"]
    raw_id_fields = ["prompt", "system"]
    list_select_related = ["prompt", "system"]


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = ["id", "study", "prompt", "pair_key", "created_at"]
    list_filter = ["study"]
    raw_id_fields = ["study", "prompt", "left_response", "right_response"]
    list_select_related = ["study", "prompt"]


@admin.register(UploadJob)
class UploadJobAdmin(admin.ModelAdmin):
    list_display = ["id", "study", "status", "total_rows", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["payload", "counts", "errors"]
    raw_id_fields = ["study", "created_by"]
