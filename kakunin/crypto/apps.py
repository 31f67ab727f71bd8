from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "kakunin.crypto"
    label = "crypto"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(
            actions={"crypto.rotate": _("暗号鍵の切り替え")},
            fields={"key": _("鍵"), "values": _("暗号化し直した値")},
        )
