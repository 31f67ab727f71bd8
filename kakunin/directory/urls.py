from django.urls import path

from kakunin.directory import views

app_name = "directory"
urlpatterns = [
    path("users/directory/", views.settings_page, name="settings"),
    path("users/directory/probe/", views.probe, name="probe"),
    path("auth/directory/<str:code>/", views.oidc_start, name="oidc_start"),
]
