from django.urls import path

from dashboard.views import exports, prompts, studies

app_name = "dashboard"

urlpatterns = [
    path("", studies.study_list, name="studies"),
    path("new/", studies.study_new, name="study_new"),
    path("jobs/<uuid:pk>/", studies.job_detail, name="job"),
    path("s/<slug:slug>/", studies.study_detail, name="study"),
    path("s/<slug:slug>/progress/", studies.study_progress_panel, name="progress"),
    path("s/<slug:slug>/upload/", studies.study_upload, name="upload"),
    path("s/<slug:slug>/settings/", studies.study_settings, name="settings"),
    path("s/<slug:slug>/systems/", studies.study_systems, name="systems"),
    path("s/<slug:slug>/open/", studies.study_state, {"action": "open"}, name="open"),
    path("s/<slug:slug>/close/", studies.study_state, {"action": "close"}, name="close"),
    path(
        "s/<slug:slug>/raters/<int:rater_id>/exclude/", studies.rater_exclusion, {"action": "exclude"}, name="exclude"
    ),
    path(
        "s/<slug:slug>/raters/<int:rater_id>/include/", studies.rater_exclusion, {"action": "include"}, name="include"
    ),
    path("s/<slug:slug>/prompts/", prompts.prompt_list, name="prompts"),
    path("s/<slug:slug>/prompts/<int:prompt_id>/", prompts.prompt_detail, name="prompt"),
    path("s/<slug:slug>/figure1.svg", exports.chart, {"fmt": "svg"}, name="chart_svg"),
    path("s/<slug:slug>/figure1.png", exports.chart, {"fmt": "png"}, name="chart_png"),
    path("s/<slug:slug>/results.csv", exports.results_csv, name="results_csv"),
    path("s/<slug:slug>/results.jsonl", exports.results_jsonl, name="results_jsonl"),
]
