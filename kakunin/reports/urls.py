from django.urls import path

from kakunin.reports import views

app_name = "reports"
urlpatterns = [
    path("assessments/<int:pk>.pdf", views.assessment_pdf, name="assessment_pdf"),
    path("pdf/<int:pk>/", views.pdf_job, name="pdf_job"),
    path("pdf/<int:pk>/download/", views.pdf_download, name="pdf_download"),
    path("annual/schedule/", views.schedule, name="schedule"),
    path("annual/<int:pk>/", views.annual_list, name="annual_list"),
    path("annual/<int:pk>/<int:year>/", views.annual_report, name="annual"),
    path("annual/<int:pk>/<int:year>/start/", views.annual_start, name="annual_start"),
    path("annual/<int:pk>/<int:year>/verdict/", views.annual_verdict, name="annual_verdict"),
    path("annual/<int:pk>/<int:year>/comment/", views.annual_comment, name="annual_comment"),
    path("annual/<int:pk>/<int:year>/pdf/", views.annual_pdf, name="annual_pdf"),
    path("annual/<int:pk>/<int:year>/<slug:step>/", views.annual_step, name="annual_step"),
    path("annual/<int:pk>/<int:year>.<slug:fmt>", views.annual_export, name="annual_export"),
]
