"""The yearly report's steps as people take them: who may (kakunin/access.py), which
action runs, what they are told (registered from ReportsConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from kakunin import access
from kakunin.assessments.workflow import Step
from kakunin.reports import actions
from kakunin.reviews.forms import ReturnForm

REPORT_STEPS = {
    "submit": Step(
        lambda user, report: access.can_keep_operations(user, report.system),
        lambda actor, report: actions.submit_report(actor=actor, report=report),
        _("年次報告を提出しました。"),
    ),
    "start_review": Step(
        access.can_review_report,
        lambda actor, report: actions.start_report_review(actor=actor, report=report),
        _("審査を開始しました。"),
    ),
    "return": Step(
        access.can_decide_report,
        lambda actor, report, note: actions.return_report(actor=actor, report=report, note=note),
        _("年次報告を差し戻しました。"),
        form=ReturnForm,
    ),
    "approve": Step(
        access.can_decide_report,
        lambda actor, report: actions.approve_report(actor=actor, report=report),
        _("年次報告を承認しました。"),
    ),
}
