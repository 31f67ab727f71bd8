from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kakunin.core"
    label = "core"

    def ready(self):
        # Imported here, where Django expects checks to be registered.
        from kakunin.core import checks  # noqa: F401
