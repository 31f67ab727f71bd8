from django.urls import path

from kakunin.assessments import views

app_name = "assessments"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/items/<slug:key>/", views.item, name="item"),
    path("<int:pk>/items/<slug:key>/save/", views.save_item, name="save_item"),
    path("<int:pk>/items/<slug:key>/history/", views.history, name="history"),
]
