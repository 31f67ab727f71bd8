from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kakunin.reports"
    label = "reports"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(actions={"report.pdf": _("PDFの書き出し")})
