from django.apps import AppConfig


class ScansConfig(AppConfig):
    name = "kakunin.scans"
    label = "scans"
