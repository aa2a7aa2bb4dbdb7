"""The results API, included under /api/studies/<slug>/ (see lima_eval/urls.py)."""

from django.urls import path

from results.apis import StudyResultsApi, StudyVotesExportApi, StudyVotesImportApi

urlpatterns = [
    path("results/", StudyResultsApi.as_view(), name="api-study-results"),
    path("votes/import/", StudyVotesImportApi.as_view(), name="api-study-votes-import"),
    path("votes.csv", StudyVotesExportApi.as_view(), {"fmt": "csv"}, name="api-study-votes-csv"),
    path("votes.jsonl", StudyVotesExportApi.as_view(), {"fmt": "jsonl"}, name="api-study-votes-jsonl"),
]
