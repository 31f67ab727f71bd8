from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "kakunin.dashboards"
    label = "dashboards"
