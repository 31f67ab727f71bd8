from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kakunin.api"
    label = "api"
    verbose_name = "Kakunin REST API"

    def ready(self):
        # Imports here: Django calls ready() once every app's models are loaded.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(
            actions={
                "api_token.create": _("APIトークンの発行"),
                "api_token.first_use": _("APIトークンの初回利用"),
                "api_token.revoke": _("APIトークンの取り消し"),
                "api_token.expire": _("APIトークンの期限切れ"),
            },
            fields={
                "name": _("名前"),
                "scope": _("範囲"),
                "expires_at": _("有効期限"),
                "ip": _("接続元"),
            },
        )
