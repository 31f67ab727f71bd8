from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kakunin.assessments"
    label = "assessments"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.assessments import panels
        from kakunin.systems.panels import register_panel

        register_panel(10, panels.system_panel)

        from kakunin.assessments.models import AnswerRevision, State, Status
        from kakunin.audit.words import register

        register(
            actions={
                "assessment.create": _("確認票の作成"),
                "assessment.submit": _("提出"),
                "assessment.due_date": _("提出期限の設定"),
                "answer.update": _("回答の変更"),
                "answer.confirm": _("引き継いだ回答の確認"),
            },
            fields={
                "status": _("対応状況"),
                "text": _("回答"),
                "plan": _("対応予定"),
                "target_date": _("対応予定日"),
                "source": _("入力元"),
                "phase": _("区分"),
                "template": _("様式"),
                "carried_from": _("引継ぎ元"),
                "carried": _("前年度から引継ぎ"),
                "round": _("提出回"),
                "due_date": _("提出期限"),
                "system": _("システム"),
            },
            values={
                "status": dict(Status.choices),
                "source": dict(AnswerRevision.Source.choices),
                "state": dict(State.choices),
            },
        )
