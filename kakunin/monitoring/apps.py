from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "kakunin.monitoring"
    label = "monitoring"
