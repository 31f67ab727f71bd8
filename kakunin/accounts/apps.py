from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kakunin.accounts"
    label = "accounts"

    def ready(self):
        from kakunin.accounts import checks, receivers  # noqa: F401
