from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kakunin.notifications"
    label = "notifications"
