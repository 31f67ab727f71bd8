from django.apps import AppConfig


class SelfcheckConfig(AppConfig):
    name = "kakunin.selfcheck"
    label = "selfcheck"
    verbose_name = "Kakunin self-assessment"

    def ready(self):
        # Imports here: Django calls ready() once every app's models are loaded.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(
            actions={"self_assessment.run": _("自己診断の実行")},
            fields={"readings": _("自己診断の回答"), "site_scan": _("SITE_URL の検査")},
        )
