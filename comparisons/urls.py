from django.urls import path

from comparisons.apis.outputs import JobDetailApi, StudyOutputsApi
from comparisons.apis.revealing import StudyRevealingApi
from comparisons.apis.studies import StudyCloseApi, StudyDetailApi, StudyListCreateApi, StudyOpenApi

urlpatterns = [
    path("studies/", StudyListCreateApi.as_view(), name="api-study-list"),
    path("studies/<slug:slug>/", StudyDetailApi.as_view(), name="api-study-detail"),
    path("studies/<slug:slug>/outputs/", StudyOutputsApi.as_view(), name="api-study-outputs"),
    path("studies/<slug:slug>/open/", StudyOpenApi.as_view(), name="api-study-open"),
    path("studies/<slug:slug>/close/", StudyCloseApi.as_view(), name="api-study-close"),
    path("studies/<slug:slug>/revealing/", StudyRevealingApi.as_view(), name="api-study-revealing"),
    path("jobs/<uuid:pk>/", JobDetailApi.as_view(), name="api-job-detail"),
]
