from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kakunin.reports"
    label = "reports"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register
        from kakunin.reports import panels
        from kakunin.reports.models import SECTIONS
        from kakunin.systems.panels import register_panel

        register_panel(40, panels.system_panel)

        from kakunin.assessments.workflow import register_steps
        from kakunin.reports.models import AnnualReport
        from kakunin.reports.steps import REPORT_STEPS

        register_steps(AnnualReport, REPORT_STEPS)
        register(
            actions={
                "report.pdf": _("PDFの書き出し"),
                "annual.start": _("年次報告の作成"),
                "annual.submit": _("年次報告の提出"),
                "annual.start_review": _("年次報告の審査開始"),
                "annual.verdict": _("年次報告の審査結果"),
                "annual.return": _("年次報告の差戻し"),
                "annual.approve": _("年次報告の承認"),
                "annual.comment": _("年次報告へのコメント"),
                "annual.export": _("年次報告の書き出し"),
                "annual.schedule": _("年次報告の提出期限の変更"),
            },
            fields={
                "fiscal_year": _("年度"),
                "section": _("節"),
                "verdict": _("審査結果"),
                "note": _("連絡事項"),
                "format": _("形式"),
                "due_month": _("提出期限の月"),
            },
            values={"section": {key: title for key, _items, title in SECTIONS}},
        )
