from django.urls import path

from kakunin.records import views

app_name = "records"
urlpatterns = [
    path("systems/<int:pk>/", views.system, name="system"),
    path("systems/<int:pk>/new/<slug:kind>/", views.add, name="add"),
    path("systems/<int:pk>/<int:record_pk>/", views.detail, name="detail"),
    path("systems/<int:pk>/<int:record_pk>/edit/", views.edit, name="edit"),
    path("systems/<int:pk>/<int:record_pk>/withdraw/", views.withdraw, name="withdraw"),
    path("systems/<int:pk>/<int:record_pk>/comment/", views.comment, name="comment"),
    path("systems/<int:pk>/<int:record_pk>/files/<int:file_pk>/", views.download, name="download"),
    path("ismap/", views.ismap_list, name="ismap"),
]
