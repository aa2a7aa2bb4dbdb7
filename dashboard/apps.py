from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The researcher pages: studies, LIMA's Figure 1 live, progress, agreement, raters,
    per-prompt drill-down and exports. Reads through services and selectors of the other apps."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
