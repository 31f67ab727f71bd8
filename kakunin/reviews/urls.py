from django.urls import path

from kakunin.reviews import views

app_name = "reviews"
urlpatterns = [
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/start-review/", views.start, name="start_review"),
    path("<int:pk>/mark-ok/", views.mark_ok, name="mark_ok"),
    path("<int:pk>/return/", views.return_view, name="return"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/new-revision/", views.new_revision, name="new_revision"),
    path("<int:pk>/items/<slug:key>/comment/", views.comment, name="comment"),
    path("<int:pk>/items/<slug:key>/verdict/", views.verdict, name="verdict"),
]
