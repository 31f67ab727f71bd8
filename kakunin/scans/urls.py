from django.urls import path

from kakunin.scans import views

app_name = "scans"
urlpatterns = [
    path("systems/<int:pk>/", views.system, name="system"),
    path("systems/<int:pk>/targets/", views.add_target, name="add_target"),
    path("systems/<int:pk>/authorisations/", views.add_authorisation, name="add_authorisation"),
    path("systems/<int:pk>/run/", views.run, name="run"),
    path("targets/<int:pk>/remove/", views.remove_target, name="remove_target"),
    path(
        "authorisations/<int:pk>/revoke/", views.revoke_authorisation, name="revoke_authorisation"
    ),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/report.json", views.report, name="report"),
]
