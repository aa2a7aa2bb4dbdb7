from django.contrib import admin
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from judges.budget_apis import StudyBudgetApi
from prolific import webhooks as prolific_webhooks


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check, for load balancers and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("comparisons.urls")),
    path("api/studies/<slug:slug>/judges/", include("judges.urls")),
    path("api/studies/<slug:slug>/collections/", include("judges.collect_urls")),
    path("api/studies/<slug:slug>/budget/", StudyBudgetApi.as_view(), name="api-study-budget"),
    path("api/studies/<slug:slug>/prolific/", include("prolific.urls")),
    path("api/prolific/hooks/", prolific_webhooks.receive, name="prolific-webhook"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz/", healthz, name="healthz"),
    path("r/", include("raters.urls")),  # rater pages (raters/urls.py)
    path("api/studies/<slug:slug>/", include("raters.api_urls")),  # raters, gold pairs, invites
    path("api/studies/<slug:slug>/", include("results.urls")),  # results, vote import and export
    path("dashboard/", include("dashboard.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", RedirectView.as_view(url="/dashboard/", permanent=False)),
]
