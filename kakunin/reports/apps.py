from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kakunin.reports"
    label = "reports"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(actions={"report.pdf": _("PDFの書き出し")})
