from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kakunin.audit"
    label = "audit"
