"""The assessment's steps as people take them: who may (kakunin/access.py), which
action runs, what they are told. The one table the web pages and the API read
(registered from ReviewsConfig.ready(); `access.step()` looks a step up)."""

from django.utils.translation import gettext_lazy as _

from kakunin import access
from kakunin.assessments.actions import submit
from kakunin.assessments.workflow import Step
from kakunin.reviews import actions
from kakunin.reviews.forms import ReturnForm

ASSESSMENT_STEPS = {
    "submit": Step(access.can_submit, submit, _("提出しました。区の審査をお待ちください。")),
    "start_review": Step(access.can_review, actions.start_review, _("審査を開始しました。")),
    "mark_ok": Step(
        access.can_review,
        actions.mark_remaining_ok,
        _("審査結果のない項目を「適合」にしました。"),
    ),
    "return": Step(
        access.can_decide,
        actions.return_assessment,
        _("差し戻しました。事業者に通知しました。"),
        form=ReturnForm,
    ),
    "approve": Step(access.can_decide, actions.approve, _("承認しました。回答は確定しました。")),
    "new_revision": Step(
        access.can_edit_system_of, actions.new_revision, _("新しい版を作成しました。")
    ),
}
