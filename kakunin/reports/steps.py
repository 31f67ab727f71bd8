"""The yearly report's steps as people take them: who may (kakunin/access.py), which
action runs, what they are told (registered from ReportsConfig.ready())."""

from functools import partial

from django.utils.translation import gettext_lazy as _

from kakunin import access
from kakunin.assessments.workflow import Step
from kakunin.reports import actions
from kakunin.reviews.forms import ReturnForm

ReportStep = partial(Step, argument="report")

REPORT_STEPS = {
    "submit": ReportStep(
        access.can_submit_report, actions.submit_report, _("年次報告を提出しました。")
    ),
    "start_review": ReportStep(
        access.can_review_report, actions.start_report_review, _("審査を開始しました。")
    ),
    "return": ReportStep(
        access.can_decide_report,
        actions.return_report,
        _("年次報告を差し戻しました。"),
        form=ReturnForm,
    ),
    "approve": ReportStep(
        access.can_decide_report, actions.approve_report, _("年次報告を承認しました。")
    ),
}
