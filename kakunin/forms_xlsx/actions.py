"""Exporting and importing the form, audited. An import applies all of its changes or none."""

import hashlib
from datetime import date

from django.db import transaction
from django.utils import timezone

from kakunin.assessments.actions import update_answers
from kakunin.assessments.models import AnswerRevision, Assessment
from kakunin.audit.trail import record
from kakunin.catalog.actions import load_form
from kakunin.catalog.models import Template
from kakunin.core import xlsx
from kakunin.forms_xlsx import export
from kakunin.forms_xlsx.importer import Plan
from kakunin.forms_xlsx.models import DefinitionImport, FormImport
from kakunin.staging import actions as staging


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


def stage_upload(*, actor, assessment: Assessment, plan: Plan, name: str) -> FormImport:
    """An uploaded form kept with its plan for the preview (staging.stage)."""
    return staging.stage(
        FormImport, actor=actor, owner=assessment, filename=name, sha256=plan.sha256,
        plan=plan.as_json(), size=plan.size,
    )  # fmt: skip


@transaction.atomic
def apply_plan(*, actor, owner: Assessment, plan: Plan | dict, source_label: str) -> int:
    """Apply every change, or none: a stale answer rolls the whole import back. The
    plan as read, or as staged (its JSON)."""
    assessment = owner
    if isinstance(plan, dict):
        plan = Plan.from_json(plan)
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


# --- A municipality's own form, uploaded from Excel -----------------------------------


def stage_definition(*, actor, data: bytes, filename: str, options: dict) -> DefinitionImport:
    """The uploaded form kept for the preview; who uploaded what is recorded."""
    with transaction.atomic():
        staged = DefinitionImport.objects.create(
            uploaded_by=actor, filename=filename[:255], sha256=hashlib.sha256(data).hexdigest(),
            data=data, options=options,
        )  # fmt: skip
        record(
            "form.definition_upload",
            staged,
            actor=actor,
            changes={"file": [None, staged.source_label], "bytes": [None, len(data)]},
        )
    return staged


def apply_definition(*, actor, staged: DefinitionImport, parsed) -> Template:
    """Load the definition as corrected (catalog.actions.load_form records it)."""
    with transaction.atomic():
        current = DefinitionImport.objects.select_for_update().get(pk=staged.pk)
        if current.state != DefinitionImport.State.PENDING:
            raise DefinitionDecided
        result = load_form(actor=actor, parsed=parsed, source_label=current.source_label)
        current.state, current.decided_at = DefinitionImport.State.APPLIED, timezone.now()
        current.template = result.template
        current.save(update_fields=["state", "decided_at", "template"])
    return result.template


def cancel_definition(*, actor, staged: DefinitionImport) -> None:
    with transaction.atomic():
        updated = DefinitionImport.objects.filter(
            pk=staged.pk, state=DefinitionImport.State.PENDING
        ).update(state=DefinitionImport.State.CANCELLED, decided_at=timezone.now())
        if updated:
            record("form.definition_cancel", staged, actor=actor, changes={})


class DefinitionDecided(Exception):
    """The upload was loaded or cancelled meanwhile (another tab)."""
