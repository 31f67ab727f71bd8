from django.urls import path

from kakunin.assessments import views
from kakunin.evidence import views as evidence_views
from kakunin.reviews import views as review_views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/due-date/", views.due_date, name="due_date"),
    path("<int:pk>/review/", review_views.review, name="review"),
    path("<int:pk>/start-review/", review_views.start, name="start_review"),
    path("<int:pk>/mark-ok/", review_views.mark_ok, name="mark_ok"),
    path("<int:pk>/return/", review_views.return_view, name="return"),
    path("<int:pk>/approve/", review_views.approve, name="approve"),
    path("<int:pk>/new-revision/", review_views.new_revision, name="new_revision"),
    path("<int:pk>/items/<slug:key>/", views.item, name="item"),
    path("<int:pk>/items/<slug:key>/save/", views.save_item, name="save_item"),
    path("<int:pk>/items/<slug:key>/copy/", views.copy, name="copy"),
    path("<int:pk>/items/<slug:key>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/items/<slug:key>/history/", views.history, name="history"),
    path("<int:pk>/items/<slug:key>/evidence/", evidence_views.add, name="evidence_add"),
    path("<int:pk>/items/<slug:key>/comment/", review_views.comment, name="comment"),
    path("<int:pk>/items/<slug:key>/verdict/", review_views.verdict, name="verdict"),
    path("<int:pk>/evidence/<int:evidence_pk>/", evidence_views.download, name="evidence_download"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/remove/", evidence_views.remove, name="evidence_remove"
    ),
]
