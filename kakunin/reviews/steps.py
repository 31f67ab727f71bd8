"""The assessment's steps as people take them: who may (kakunin/access.py), which
action runs, what they are told. The one table the web pages and the API read
(registered from ReviewsConfig.ready(); `access.step()` looks a step up)."""

from django.utils.translation import gettext_lazy as _

from kakunin import access
from kakunin.assessments import actions as assessment_actions
from kakunin.assessments.workflow import Step
from kakunin.reviews import actions
from kakunin.reviews.forms import ReturnForm

ASSESSMENT_STEPS = {
    "submit": Step(
        access.can_submit,
        lambda actor, assessment: assessment_actions.submit(actor=actor, assessment=assessment),
        _("提出しました。区の審査をお待ちください。"),
    ),
    "start_review": Step(
        access.can_review,
        lambda actor, assessment: actions.start_review(actor=actor, assessment=assessment),
        _("審査を開始しました。"),
    ),
    "mark_ok": Step(
        access.can_review,
        lambda actor, assessment: actions.mark_remaining_ok(actor=actor, assessment=assessment),
        _("審査結果のない項目を「適合」にしました。"),
    ),
    "return": Step(
        access.can_decide,
        lambda actor, assessment, note: actions.return_assessment(
            actor=actor, assessment=assessment, note=note
        ),
        _("差し戻しました。事業者に通知しました。"),
        form=ReturnForm,
    ),
    "approve": Step(
        access.can_decide,
        lambda actor, assessment: actions.approve(actor=actor, assessment=assessment),
        _("承認しました。回答は確定しました。"),
    ),
    "new_revision": Step(
        access.can_edit_system_of,
        lambda actor, assessment: actions.new_revision(actor=actor, assessment=assessment),
        _("新しい版を作成しました。"),
    ),
}
