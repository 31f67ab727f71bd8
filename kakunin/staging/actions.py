"""Staging, applying and cancelling an import, audited. Each kind applies its own plan
(`apply(actor=, owner=, plan=, source_label=)`, all of it or none); the staging is the
same for every kind."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from kakunin.audit.trail import record
from kakunin.staging.models import StagedImport


@transaction.atomic
def stage(model: type[StagedImport], *, actor, owner, filename: str, sha256: str, plan, **extra):
    """Keep an uploaded file's plan for its preview; recorded as
    `<audit_name>.import_upload` on what it would change."""
    staged = model._default_manager.create(
        **{model.owner_field: owner},
        uploaded_by=actor,
        filename=filename[:255],
        sha256=sha256,
        plan=plan,
        **extra,
    )
    record(
        f"{model.audit_name}.import_upload",
        owner,
        actor=actor,
        changes={"file": [None, staged.filename], "sha256": [None, sha256]},
    )
    return staged


@transaction.atomic
def confirm(*, actor, staged: StagedImport, apply: Callable[..., int]) -> int:
    """Apply the staged plan (the kind's `apply` records its own event) and mark it
    applied, in one transaction: a plan that no longer fits changes nothing."""
    count = apply(
        actor=actor, owner=staged.owner, plan=staged.plan, source_label=staged.source_label
    )
    staged.state, staged.decided_at = StagedImport.State.APPLIED, timezone.now()
    staged.save(update_fields=["state", "decided_at"])
    return count


@transaction.atomic
def cancel(*, actor, staged: StagedImport) -> None:
    staged.state, staged.decided_at = StagedImport.State.CANCELLED, timezone.now()
    staged.save(update_fields=["state", "decided_at"])
    record(
        f"{staged.audit_name}.import_cancel",
        staged.owner,
        actor=actor,
        changes={"file": [None, staged.filename]},
    )
