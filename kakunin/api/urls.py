from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kakunin.api import views
from kakunin.api.docs import RedocView, docs, redoc_bundle

app_name = "api"


urlpatterns = [
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", docs(SpectacularSwaggerSplitView), name="docs"),
    path("redoc/", docs(RedocView), name="redoc"),
    path("redoc/redoc.standalone.js", redoc_bundle, name="redoc_bundle"),
    path("v1/systems/", views.SystemList.as_view(), name="systems"),
    path("v1/systems/<int:pk>/", views.SystemDetail.as_view(), name="system"),
    path("v1/assessments/", views.AssessmentList.as_view(), name="assessments"),
    path("v1/assessments/<int:pk>/", views.AssessmentDetail.as_view(), name="assessment"),
    path(
        "v1/assessments/<int:pk>/answers/<slug:key>/", views.AnswerDetail.as_view(), name="answer"
    ),
    path(
        "v1/assessments/<int:pk>/submit/",
        views.AssessmentStep.as_view(step="submit"),
        name="submit",
    ),
    path(
        "v1/assessments/<int:pk>/start-review/",
        views.AssessmentStep.as_view(step="start_review"),
        name="start_review",
    ),
    path(
        "v1/assessments/<int:pk>/return/",
        views.ReturnStep.as_view(),
        name="return",
    ),
    path(
        "v1/assessments/<int:pk>/approve/",
        views.AssessmentStep.as_view(step="approve"),
        name="approve",
    ),
    path("v1/audit/events/", views.EventList.as_view(), name="events"),
    path("v1/library/products/", views.ProductList.as_view(), name="library_products"),
    path("v1/library/products/<int:pk>/", views.ProductDetail.as_view(), name="library_product"),
    path(
        "v1/library/products/<int:pk>/entries/",
        views.ProductEntries.as_view(),
        name="library_entries",
    ),
    path(
        "v1/library/products/<int:pk>/approve/",
        views.ProductApprove.as_view(),
        name="library_approve",
    ),
    path("v1/library/entries/<int:pk>/", views.EntryDetail.as_view(), name="library_entry"),
    path(
        "v1/assessments/<int:pk>/answers/<slug:key>/comments/",
        views.AnswerComments.as_view(),
        name="comments",
    ),
    path(
        "v1/assessments/<int:pk>/answers/<slug:key>/verdict/",
        views.AnswerVerdict.as_view(),
        name="verdict",
    ),
    path(
        "v1/assessments/<int:pk>/answers/<slug:key>/evidence/",
        views.AnswerEvidence.as_view(),
        name="evidence",
    ),
    path(
        "v1/assessments/<int:pk>/evidence/<int:evidence_pk>/",
        views.EvidenceDownload.as_view(),
        name="evidence_file",
    ),
    path("v1/systems/<int:pk>/scans/", views.SystemScans.as_view(), name="system_scans"),
    path("v1/systems/<int:pk>/components/", views.SystemComponents.as_view(), name="components"),
    path("v1/systems/<int:pk>/inventory/", views.SystemInventoryUpload.as_view(), name="inventory"),
    path("v1/systems/<int:pk>/findings/", views.SystemFindings.as_view(), name="findings"),
    path(
        "v1/systems/<int:pk>/findings/<int:finding_pk>/responses/",
        views.FindingResponse.as_view(),
        name="finding_response",
    ),
    path("v1/systems/<int:pk>/records/", views.SystemRecords.as_view(), name="records"),
    path(
        "v1/systems/<int:pk>/annual-reports/",
        views.SystemAnnualReports.as_view(),
        name="annual_reports",
    ),
    path(
        "v1/systems/<int:pk>/records/<int:record_pk>/withdraw/",
        views.RecordWithdraw.as_view(),
        name="record_withdraw",
    ),
    path(
        "v1/systems/<int:pk>/records/<int:record_pk>/files/",
        views.RecordFiles.as_view(),
        name="record_files",
    ),
    path(
        "v1/systems/<int:pk>/records/<int:record_pk>/files/<int:file_pk>/",
        views.RecordFileDownload.as_view(),
        name="record_file",
    ),
    path(
        "v1/systems/<int:pk>/records/<int:record_pk>/comments/",
        views.RecordComments.as_view(),
        name="record_comments",
    ),
]

# Each kind of record at its own address, with its own fields in the schema.
for kind, (create, detail) in views.RECORD_VIEWS.items():
    slug = kind.replace("_", "-")
    urlpatterns += [
        path(f"v1/systems/<int:pk>/records/{slug}/", create.as_view(), name=f"record_add_{kind}"),
        path(
            f"v1/systems/<int:pk>/records/{slug}/<int:record_pk>/",
            detail.as_view(),
            name=f"record_{kind}",
        ),
    ]
