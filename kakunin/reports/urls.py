from django.urls import path

from kakunin.reports import views

app_name = "reports"
urlpatterns = [
    path("assessments/<int:pk>.pdf", views.assessment_pdf, name="assessment_pdf"),
]
