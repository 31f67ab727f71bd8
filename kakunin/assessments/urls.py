from django.urls import path

from kakunin.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/for-system/<int:pk>/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/due-date/", views.due_date, name="due_date"),
    path("<int:pk>/sections/<int:index>/", views.section, name="section"),
    path("<int:pk>/items/<slug:key>/", views.item, name="item"),
    path("<int:pk>/items/<slug:key>/save/", views.save_item, name="save_item"),
    path("<int:pk>/items/<slug:key>/copy/", views.copy, name="copy"),
    path("<int:pk>/items/<slug:key>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/items/<slug:key>/history/", views.history, name="history"),
]
