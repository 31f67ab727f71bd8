from django.urls import path

from kakunin.inventory import views

app_name = "inventory"
urlpatterns = [
    path("systems/<int:pk>/", views.system, name="system"),
    path("systems/<int:pk>/add/", views.edit, name="add"),
    path("systems/<int:pk>/<int:component_pk>/", views.edit, name="edit"),
    path("systems/<int:pk>/<int:component_pk>/remove/", views.remove, name="remove"),
    path("systems/<int:pk>/import/", views.upload, name="upload"),
    path("systems/<int:pk>/import/<int:import_pk>/", views.preview, name="preview"),
    path("systems/<int:pk>/import/<int:import_pk>/decide/", views.decide, name="decide"),
    path("template.xlsx", views.template, name="template"),
    path("eol/", views.eol_data, name="eol"),
    path("systems/<int:pk>/findings/<int:finding_pk>/", views.respond, name="respond"),
    path("vulnerabilities/", views.vulnerabilities, name="vulnerabilities"),
    path(
        "systems/<int:pk>/responses/<int:response_pk>/file/",
        views.response_evidence,
        name="response_evidence",
    ),
    path("feeds/", views.feeds_upload, name="feeds"),
]
