from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kakunin.reports"
    label = "reports"
