from django.urls import path

from kakunin.selfcheck import views

app_name = "selfcheck"
urlpatterns = [
    path("", views.page, name="page"),
    path("run/", views.run, name="run"),
]
