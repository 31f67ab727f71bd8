from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "kakunin.systems"
    label = "systems"
