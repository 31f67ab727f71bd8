from django.urls import path

from kakunin.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("export.csv", views.export_csv, name="export"),
    path("verify/", views.verify_chain, name="verify"),
]
