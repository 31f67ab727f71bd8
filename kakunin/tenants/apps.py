from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "kakunin.tenants"
    label = "tenants"
    verbose_name = "Municipalities"
