from django.urls import path

from raters import views, views_vote

app_name = "raters"

urlpatterns = [
    path("<slug:slug>/", views.start, name="start"),
    path("<slug:slug>/i/<str:token>/", views.invite, name="invite"),
    path("<slug:slug>/instructions/", views.instructions, name="instructions"),
    path("<slug:slug>/vote/", views_vote.vote, name="vote"),
    path("<slug:slug>/done/", views_vote.done, name="done"),
]
