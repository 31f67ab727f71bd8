from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kakunin.core"
    label = "core"
