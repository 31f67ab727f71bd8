from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "kakunin.reviews"
    label = "reviews"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.assessments.page import register_details
        from kakunin.reviews import details

        register_details(details.attach)

        from kakunin.assessments.models import Assessment
        from kakunin.assessments.workflow import register_steps
        from kakunin.reviews.steps import ASSESSMENT_STEPS

        register_steps(Assessment, ASSESSMENT_STEPS)

        from kakunin.assessments.models import Verdict
        from kakunin.audit.words import register

        register(
            actions={
                "assessment.start_review": _("審査の開始"),
                "assessment.return": _("差戻し"),
                "assessment.approve": _("承認"),
                "assessment.mark_ok": _("未審査の項目を一括で適合"),
                "answer.verdict": _("審査結果の記録"),
                "answer.comment": _("コメント"),
            },
            fields={
                "verdict": _("審査結果"),
                "comment": _("コメント"),
                "items": _("項目"),
                "note": _("連絡事項"),
                "answers": _("回答数"),
            },
            values={"verdict": dict(Verdict.choices)},
        )
