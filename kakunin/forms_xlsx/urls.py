from django.urls import path

from kakunin.forms_xlsx import views

app_name = "forms_xlsx"
urlpatterns = [
    path("<int:pk>/export.xlsx", views.export, name="export"),
    path("<int:pk>/import/", views.upload, name="upload"),
    path("<int:pk>/import/<int:import_pk>/", views.preview, name="preview"),
    path("<int:pk>/import/<int:import_pk>/decide/", views.decide, name="decide"),
]
