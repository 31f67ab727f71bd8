from django.urls import path

from kakunin.library import views

app_name = "library"
urlpatterns = [
    path("", views.index, name="index"),
    path("products/<int:pk>/", views.product, name="product"),
    path("products/<int:pk>/edit/", views.edit_product, name="edit_product"),
    path("products/<int:pk>/new/", views.new_entry, name="new_entry"),
    path("products/<int:pk>/approve/", views.approve, name="approve"),
    path("products/<int:pk>/from/<int:assessment_pk>/", views.build, name="build"),
    path("products/<int:pk>/from/<int:assessment_pk>/excel/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.staged, name="staged"),
    path("entries/<int:pk>/", views.entry, name="entry"),
    path("entries/<int:pk>/files/", views.add_file, name="add_file"),
    path("files/<int:pk>/", views.download, name="download"),
    path("files/<int:pk>/remove/", views.remove_file, name="remove_file"),
    path("fill/<int:assessment_pk>/", views.fill, name="fill"),
]
