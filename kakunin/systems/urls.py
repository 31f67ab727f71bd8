from django.urls import path

from kakunin.systems import views

app_name = "systems"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/members/", views.add_member, name="add_member"),
    path("<int:pk>/members/<int:user_pk>/remove/", views.remove_member, name="remove_member"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/access-requests/", views.request_access, name="request_access"),
]
