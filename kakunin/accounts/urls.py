from django.urls import path

from kakunin.accounts import views

app_name = "accounts"
urlpatterns = [
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/disable/", views.user_disable, name="user_disable"),
    path("users/<int:pk>/enable/", views.user_enable, name="user_enable"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("organisations/", views.organisations, name="organisations"),
    path("users/review/", views.account_review, name="review"),
    path("users/lockouts/", views.lockouts, name="lockouts"),
    path("users/lockouts/unlock/", views.unlock, name="unlock"),
    path("users/settings/", views.security_settings, name="settings"),
    path("identity/", views.choose_identity, name="choose_identity"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:pk>/end/", views.end_session, name="end_session"),
    path("sessions/end-others/", views.end_other_sessions, name="end_other_sessions"),
]
