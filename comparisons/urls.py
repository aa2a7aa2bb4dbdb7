from django.urls import path

from comparisons.apis.outputs import JobDetailApi, StudyOutputsApi
from comparisons.apis.results import StudyResultsApi, StudyVotesExportApi, StudyVotesImportApi
from comparisons.apis.revealing import StudyRevealingApi
from comparisons.apis.studies import StudyCloseApi, StudyDetailApi, StudyListCreateApi, StudyOpenApi

urlpatterns = [
    path("studies/", StudyListCreateApi.as_view(), name="api-study-list"),
    path("studies/<slug:slug>/", StudyDetailApi.as_view(), name="api-study-detail"),
    path("studies/<slug:slug>/outputs/", StudyOutputsApi.as_view(), name="api-study-outputs"),
    path("studies/<slug:slug>/open/", StudyOpenApi.as_view(), name="api-study-open"),
    path("studies/<slug:slug>/close/", StudyCloseApi.as_view(), name="api-study-close"),
    path("studies/<slug:slug>/results/", StudyResultsApi.as_view(), name="api-study-results"),
    path("studies/<slug:slug>/votes/import/", StudyVotesImportApi.as_view(), name="api-study-votes-import"),
    path("studies/<slug:slug>/votes.csv", StudyVotesExportApi.as_view(), {"fmt": "csv"}, name="api-study-votes-csv"),
    path("studies/<slug:slug>/votes.jsonl", StudyVotesExportApi.as_view(), {"fmt": "jsonl"}, name="api-study-votes-jsonl"),
    path("studies/<slug:slug>/revealing/", StudyRevealingApi.as_view(), name="api-study-revealing"),
    path("jobs/<uuid:pk>/", JobDetailApi.as_view(), name="api-job-detail"),
]
