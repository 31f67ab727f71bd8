from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kakunin.catalog"
    label = "catalog"
