"""The raters API, included under /api/studies/<slug>/ (see lima_eval/urls.py)."""

from django.urls import path

from raters.apis.views import (
    AttentionChecksApi,
    GoldDetailApi,
    GoldListApi,
    InviteApi,
    RaterExcludeApi,
    RaterIncludeApi,
    RaterListApi,
    RaterSettingsApi,
)

urlpatterns = [
    path("raters/", RaterListApi.as_view(), name="api-rater-list"),
    path("raters/<int:pk>/exclude/", RaterExcludeApi.as_view(), name="api-rater-exclude"),
    path("raters/<int:pk>/include/", RaterIncludeApi.as_view(), name="api-rater-include"),
    path("invites/", InviteApi.as_view(), name="api-rater-invite"),
    path("rater-settings/", RaterSettingsApi.as_view(), name="api-rater-settings"),
    path("gold/", GoldListApi.as_view(), name="api-gold-list"),
    path("attention-checks/", AttentionChecksApi.as_view(), name="api-attention-checks"),
    path("gold/<int:comparison>/", GoldDetailApi.as_view(), name="api-gold-detail"),
]
