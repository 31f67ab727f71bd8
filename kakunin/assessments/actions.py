"""Changes to assessments and answers. Each runs in one transaction with its audit event."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.assessments.models import Answer, AnswerRevision, Assessment, Status, validate_answer
from kakunin.audit.trail import record


class StaleAnswer(Exception):
    """Someone saved the answer after the editor loaded it."""


@transaction.atomic
def create_assessment(*, actor, system, template, phase: str, fiscal_year=None) -> Assessment:
    assessment = Assessment.objects.create(
        system=system, template=template, phase=phase, fiscal_year=fiscal_year, created_by=actor
    )
    now = timezone.now()
    answers = [
        Answer(
            assessment=assessment,
            item=item,
            status=Status.WARD if item.is_ward_item else "",
            text=item.preset_answer,
            version=1 if item.is_ward_item else 0,
            updated_at=now if item.is_ward_item else None,
        )
        for item in template.items.all()
    ]
    Answer.objects.bulk_create(answers)
    AnswerRevision.objects.bulk_create(
        AnswerRevision(
            answer=a,
            version=1,
            status=a.status,
            text=a.text,
            changed_at=now,
            source=AnswerRevision.Source.SYSTEM,
        )
        for a in answers
        if a.version
    )
    record(
        "assessment.create",
        assessment,
        actor=actor,
        changes={
            "system": [None, system.name],
            "template": [None, str(template)],
            "phase": [None, assessment.phase_label],
        },
    )
    return assessment


def update_answer(
    *, actor, answer: Answer, status: str, text: str, expected_version: int | None, source: str
) -> bool:
    """Save a new state of one answer. Returns False when nothing changed.

    Raises ValidationError for a rule broken, StaleAnswer when the answer moved on
    since `expected_version` was read.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    validate_answer(answer.item, status, text)
    with transaction.atomic():
        current = Answer.objects.select_for_update().get(pk=answer.pk)
        if expected_version is not None and current.version != expected_version:
            raise StaleAnswer(
                _("他の利用者がこの回答を先に更新しました。最新の内容を確認してください。")
            )
        if (current.status, current.text) == (status, text):
            return False
        before = current.snapshot()
        current.status, current.text = status, text
        current.version += 1
        current.updated_by, current.updated_at = actor, timezone.now()
        current.save(update_fields=["status", "text", "version", "updated_by", "updated_at"])
        AnswerRevision.objects.create(
            answer=current,
            version=current.version,
            status=status,
            text=text,
            changed_by=actor,
            changed_at=current.updated_at,
            source=source,
        )
        record(
            "answer.update",
            current,
            actor=actor,
            changes={k: [before[k], v] for k, v in current.snapshot().items() if before[k] != v}
            | {"source": [None, source]},
        )
    answer.refresh_from_db()
    return True
