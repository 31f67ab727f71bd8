from django.urls import path

from kakunin.directory import views

app_name = "directory"
urlpatterns = [
    path("users/directory/", views.settings_page, name="settings"),
    path("users/directory/probe/", views.probe, name="probe"),
    path("auth/directory/<str:code>/", views.oidc_start, name="oidc_start"),
    # allauth's own paths for its OpenID Connect provider, answered here (oidc.py).
    path("auth/oidc/<str:provider_id>/login/", views.oidc_login, name="oidc_login"),
    path("auth/oidc/<str:provider_id>/login/callback/", views.oidc_callback, name="oidc_callback"),
    path("auth/3rdparty/", views.not_here, name="no_connections"),
    path("auth/3rdparty/signup/", views.not_here, name="no_signup"),
    # Accounts are issued with a password, or kept by a directory: none sets one anew.
    path("auth/password/set/", views.not_here, name="no_password_set"),
]
