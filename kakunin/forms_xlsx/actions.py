"""Exporting and importing the form, audited. An import applies all of its changes or none."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from kakunin.assessments.actions import update_answers
from kakunin.assessments.models import AnswerRevision, Assessment
from kakunin.audit.trail import record
from kakunin.core import xlsx
from kakunin.forms_xlsx import export
from kakunin.forms_xlsx.importer import Plan
from kakunin.forms_xlsx.models import FormImport


def export_assessment(*, actor, assessment: Assessment, ward_copy: bool = True) -> bytes:
    """The form as the vendor fills it; the ward's copy (ward staff, the command line)
    also carries each item's verdict and comments."""
    rows = export.rows_of_assessment(assessment, with_verdicts=ward_copy)
    data = xlsx.to_bytes(
        export.build_workbook(assessment.template, rows, assessment, with_verdicts=ward_copy)
    )
    with transaction.atomic():
        record("form.export", assessment, actor=actor, changes={"bytes": [None, len(data)]})
    return data


@transaction.atomic
def stage_import(*, actor, assessment: Assessment, plan: Plan, filename: str) -> FormImport:
    staged = FormImport.objects.create(
        assessment=assessment,
        uploaded_by=actor,
        filename=filename[:255],
        sha256=plan.sha256,
        size=plan.size,
        plan=plan.as_json(),
    )
    record(
        "form.import_upload",
        assessment,
        actor=actor,
        changes={"file": [None, staged.filename], "sha256": [None, plan.sha256]},
    )
    return staged


@transaction.atomic
def apply_plan(*, actor, assessment: Assessment, plan: Plan, source_label: str) -> int:
    """Apply every change, or none: a stale answer rolls the whole import back."""
    answers = {a.item.key: a for a in assessment.answers.select_related("item")}
    count = update_answers(
        actor=actor,
        edits=[
            (
                answers[change.key],
                {
                    "status": change.new_status,
                    "text": change.new_text,
                    "plan": change.new_plan,
                    "target_date": date.fromisoformat(change.new_date) if change.new_date else None,
                },
                change.version,
            )
            for change in plan.changes
        ],
        source=AnswerRevision.Source.IMPORT,
    )
    record(
        "form.import",
        assessment,
        actor=actor,
        changes={"file": [None, source_label], "answers_changed": [None, count]},
    )
    return count


@transaction.atomic
def confirm_import(*, actor, staged: FormImport) -> int:
    count = apply_plan(
        actor=actor,
        assessment=staged.assessment,
        plan=Plan.from_json(staged.plan),
        source_label=f"{staged.filename} ({staged.sha256[:12]})",
    )
    staged.state, staged.decided_at = FormImport.State.APPLIED, timezone.now()
    staged.save(update_fields=["state", "decided_at"])
    return count


@transaction.atomic
def cancel_import(*, actor, staged: FormImport) -> None:
    staged.state, staged.decided_at = FormImport.State.CANCELLED, timezone.now()
    staged.save(update_fields=["state", "decided_at"])
    record(
        "form.import_cancel",
        staged.assessment,
        actor=actor,
        changes={"file": [None, staged.filename]},
    )
