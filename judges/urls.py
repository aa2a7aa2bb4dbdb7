from django.urls import path

from judges.apis import (
    JudgeCallListApi,
    JudgeDetailApi,
    JudgeListCreateApi,
    JudgeOrdersApi,
    JudgeRunApi,
    JudgeStatusApi,
)

urlpatterns = [
    path("", JudgeListCreateApi.as_view(), name="api-judge-list"),
    path("<slug:name>/", JudgeDetailApi.as_view(), name="api-judge-detail"),
    path("<slug:name>/run/", JudgeRunApi.as_view(), name="api-judge-run"),
    path("<slug:name>/status/", JudgeStatusApi.as_view(), name="api-judge-status"),
    path("<slug:name>/calls/", JudgeCallListApi.as_view(), name="api-judge-calls"),
    path("<slug:name>/orders/", JudgeOrdersApi.as_view(), name="api-judge-orders"),
]
