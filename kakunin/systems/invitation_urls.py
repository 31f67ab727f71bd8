"""The pages an invited person and the deciders reach outside a system's page:
/invite/ (the e-mailed link) and /access-requests/ (colleagues asked for)."""

from django.urls import path

from kakunin.systems import views

app_name = "invitations"
urlpatterns = [
    path("invite/", views.invitation, name="open"),
    path("invite/accept/", views.accept_invitation, name="accept"),
    path("access-requests/", views.access_requests, name="requests"),
    path("access-requests/<int:pk>/", views.decide_access_request, name="decide"),
]
