from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kakunin.api"
    label = "api"
    verbose_name = "Kakunin REST API"

    def ready(self):
        # Imports here: Django calls ready() once every app's models are loaded.
        from django.utils.translation import gettext_lazy as _

        from kakunin.accounts import credentials
        from kakunin.api import actions
        from kakunin.audit.words import register

        credentials.register(actions.revoke_all)

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
                "reason": _("理由"),
            },
            values={
                "reason": {
                    credentials.PASSWORD_CHANGED: _("パスワードの変更"),
                    credentials.PASSWORD_RESET: _("管理者によるパスワードの再設定"),
                    credentials.DISABLED: _("利用者の無効化"),
                }
            },
        )
