from django.urls import path

from kakunin.evidence import views

app_name = "evidence"
urlpatterns = [
    path("<int:pk>/items/<slug:key>/evidence/", views.add, name="add"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.download, name="download"),
    path("<int:pk>/evidence/<int:evidence_pk>/remove/", views.remove, name="remove"),
]
