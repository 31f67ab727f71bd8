"""The ward's side of the exchange: verdicts, comments, returning and approving.
Every step runs in one transaction with its audit event, and tells the people concerned."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.assessments import workflow
from kakunin.assessments.actions import create_assessment
from kakunin.assessments.models import Answer, Assessment, Verdict
from kakunin.assessments.workflow import TransitionRefused
from kakunin.audit.trail import record
from kakunin.core.text import BIDI_CONTROLS, BIDI_MESSAGE
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind
from kakunin.reviews.models import Comment


def _context(actor, assessment, **extra) -> dict:
    return {
        "actor": actor.full_name,
        "assessment": assessment,
        "url": assessment.get_absolute_url(),
        **extra,
    }


def start_review(*, actor, assessment: Assessment) -> Assessment:
    with workflow.step(assessment, "start_review") as current:
        workflow.advance(current, "start_review", actor=actor)
    return current


def set_verdict(*, actor, answer: Answer, verdict: str, comment: str = "") -> None:
    """適合, 要修正 (with a comment) or 要確認 (a question)."""
    if verdict not in Verdict.values and verdict != "":
        raise TransitionRefused(_("審査結果を選んでください。"))
    if verdict in (Verdict.FIX, Verdict.QUESTION) and not comment.strip():
        raise TransitionRefused(_("「要修正」「要確認」にはコメントを書いてください。"))
    with workflow.step(answer.assessment, "judge") as assessment:
        current = Answer.objects.select_for_update().get(pk=answer.pk)
        before = current.verdict
        current.verdict, current.verdict_by, current.verdict_at = verdict, actor, timezone.now()
        current.save(update_fields=["verdict", "verdict_by", "verdict_at"])
        record("answer.verdict", current, actor=actor, changes={"verdict": [before, verdict]})
        if comment.strip():
            _add_comment(actor, current, assessment, comment)
    answer.refresh_from_db()


def mark_remaining_ok(*, actor, assessment: Assessment) -> int:
    """Every applicable answer still without a verdict is 適合."""
    with workflow.step(assessment, "judge") as current:
        open_answers = [
            a for a in current.answers.select_related("item").filter(verdict="")
            if current.template.evaluate(a.item, current.system).applies
        ]  # fmt: skip
        if not open_answers:
            raise TransitionRefused(str(_("審査結果のない項目はありません。")))
        now = timezone.now()
        for a in open_answers:
            a.verdict, a.verdict_by, a.verdict_at = Verdict.OK, actor, now
        Answer.objects.bulk_update(open_answers, ["verdict", "verdict_by", "verdict_at"])
        record(
            "assessment.mark_ok",
            current,
            actor=actor,
            changes={"answers": [None, len(open_answers)]},
        )
    return len(open_answers)


def return_assessment(*, actor, assessment: Assessment, note: str = "") -> Assessment:
    """審査中 → 差戻し: only the items marked 要修正 or 要確認 go back to the vendor,
    with the reviewer's cover message (`note`) if there is one."""
    note = note.strip()
    if BIDI_CONTROLS.search(note):
        raise TransitionRefused(str(BIDI_MESSAGE))
    with workflow.step(assessment, "return") as current:
        returned = list(
            current.answers.select_related("item").filter(
                verdict__in=[Verdict.FIX, Verdict.QUESTION]
            )
        )
        if not returned:
            raise TransitionRefused(_("「要修正」か「要確認」の項目がないため差し戻せません。"))
        numbers = ", ".join(f"No.{a.item.number}" for a in returned)
        current.return_note = note
        workflow.advance(
            current,
            "return",
            actor=actor,
            also=["return_note"],
            changes={"items": [None, numbers], "note": [None, note]},
            items=numbers,
            note=note,
        )
        questions = [a for a in returned if a.verdict == Verdict.QUESTION]
        if questions:
            qs = ", ".join(f"No.{a.item.number}" for a in questions)
            notify(
                current.people_told("return"),
                Kind.QUESTION,
                _context(actor, current, items=qs),
                url=current.get_absolute_url(),
            )
    return current


def approve(*, actor, assessment: Assessment) -> Assessment:
    """審査中 → 承認, when every applicable answer is 適合. The answers are then frozen."""
    with workflow.step(assessment, "approve") as current:
        pending = [
            f"No.{a.item.number}"
            for a in current.answers.select_related("item").exclude(verdict=Verdict.OK)
            if current.template.evaluate(a.item, current.system).applies
        ]
        if pending:
            raise TransitionRefused(_("「適合」でない項目があるため承認できません。"), pending)
        workflow.advance(current, "approve", actor=actor)
    return current


def new_revision(*, actor, assessment: Assessment) -> Assessment:
    """An approved assessment is frozen: a change starts a new revision from its answers."""
    with workflow.step(assessment, "new_revision") as current:
        latest = Assessment.objects.filter(
            system=current.system, phase=current.phase, fiscal_year=current.fiscal_year
        ).aggregate(revision=Max("revision"))
        revision = create_assessment(
            actor=actor,
            system=current.system,
            template=current.template,
            phase=current.phase,
            fiscal_year=current.fiscal_year,
            carry_from=current,
            revision=latest["revision"] + 1,
        )
    return revision


def add_comment(*, actor, answer: Answer, body: str) -> Comment:
    if not body.strip():
        raise TransitionRefused(_("コメントを入力してください。"))
    with transaction.atomic():
        return _add_comment(actor, answer, answer.assessment, body)


def _add_comment(actor, answer: Answer, assessment: Assessment, body: str) -> Comment:
    if BIDI_CONTROLS.search(body):
        raise TransitionRefused(str(BIDI_MESSAGE))
    comment = Comment.objects.create(
        answer=answer, author=actor, body=body.strip(), round=assessment.round
    )
    record("answer.comment", answer, actor=actor, changes={"comment": [None, comment.body[:200]]})
    # The other side hears of it: a ward comment tells the vendor, and the other way round.
    if actor.is_ward_staff:
        people = list(assessment.system.vendor_members())
    else:
        people = [*assessment.system.reviewers(), *assessment.system.department_staff()]
    notify(
        people,
        Kind.COMMENT,
        _context(actor, assessment, number=answer.item.number, body=comment.body),
        url=f"{assessment.get_absolute_url()}#item-{answer.item.key}",
    )
    return comment
