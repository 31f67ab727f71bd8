from django.urls import path

from kakunin.api import pages

app_name = "tokens"
urlpatterns = [
    path("", pages.tokens, name="index"),
    path("issue/", pages.issue, name="issue"),
    path("<int:pk>/revoke/", pages.revoke, name="revoke"),
]
