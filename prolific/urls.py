from django.urls import path

from prolific.apis import BonusResolveApi, LinkApi, SyncApi

urlpatterns = [
    path("", LinkApi.as_view(), name="api-prolific"),
    path("sync/", SyncApi.as_view(), name="api-prolific-sync"),
    path("bonuses/<int:batch_id>/resolve/", BonusResolveApi.as_view(), name="api-prolific-bonus-resolve"),
]
