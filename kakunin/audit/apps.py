from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kakunin.audit"
    label = "audit"

    def ready(self):
        from kakunin.audit import receivers  # noqa: F401
