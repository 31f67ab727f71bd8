from django.apps import AppConfig


class StagingConfig(AppConfig):
    name = "kakunin.staging"
    label = "staging"
