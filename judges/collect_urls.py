from django.urls import path

from judges.collect_apis import CollectionDetailApi, CollectionListCreateApi, CollectionRunApi

urlpatterns = [
    path("", CollectionListCreateApi.as_view(), name="api-collection-list"),
    path("<int:pk>/", CollectionDetailApi.as_view(), name="api-collection-detail"),
    path("<int:pk>/run/", CollectionRunApi.as_view(), name="api-collection-run"),
]
