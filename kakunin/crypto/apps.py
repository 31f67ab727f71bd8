from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "kakunin.crypto"
    label = "crypto"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(
            actions={"crypto.rotate": _("暗号鍵の切り替え")},
            fields={"key": _("鍵"), "values": _("暗号化し直した値")},
        )
