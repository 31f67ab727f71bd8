"""A municipality's own form uploaded from Excel (under /forms/import/)."""

from django.urls import path

from kakunin.forms_xlsx import views

app_name = "form_definitions"
urlpatterns = [
    path("", views.definition_upload, name="upload"),
    path("<int:pk>/", views.definition_preview, name="preview"),
]
