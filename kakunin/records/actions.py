"""Every change of a record, in one transaction with its audit event and its version."""

import hashlib

from django.db import transaction
from django.utils import timezone

from kakunin.audit.trail import record as audit
from kakunin.evidence.actions import check_upload, keep_evidence
from kakunin.records import ismap
from kakunin.records.kinds import RecordForm
from kakunin.records.models import (
    IsmapImport,
    IsmapService,
    Record,
    RecordComment,
    RecordFile,
    RecordVersion,
)


def _keep_version(record: Record, actor) -> None:
    RecordVersion.objects.create(
        record=record, version=record.version, content=record.snapshot(), by=actor
    )


def add_record(*, actor, system, form: RecordForm, files=()) -> Record:
    """A new record from a valid form, with its files ((upload, label) pairs). The
    files are checked and scanned first: a refused file (evidence.detect.Refused)
    leaves no record behind."""
    checked = _check(actor, files)
    with transaction.atomic():
        record = Record.objects.create(
            system=system,
            kind=form.kind,
            date=form.cleaned_data["date"],
            until=form.until(),
            data=form.payload(),
            scan=form.cleaned_data.get("scan"),
            entered_by=actor,
            updated_by=actor,
        )
        _keep_version(record, actor)
        audit("record.add", record, actor=actor, changes=_changes({}, record.snapshot()))
        for item, label in checked:
            _attach(actor, record, item, label)
    return record


class StaleRecord(Exception):
    """Someone saved the record after the caller read it (expected_version)."""


def update_record(
    *, actor, record: Record, form: RecordForm, files=(), expected_version: int | None = None
) -> Record:
    """A correction (a new version, audited field by field). With expected_version, a
    record saved by someone else since it was read is refused (StaleRecord)."""
    checked = _check(actor, files)
    with transaction.atomic():
        record = Record.objects.select_for_update().get(pk=record.pk)
        if expected_version is not None and record.version != expected_version:
            raise StaleRecord
        before = record.snapshot()
        record.date, record.until = form.cleaned_data["date"], form.until()
        record.data, record.scan = form.payload(), form.cleaned_data.get("scan")
        changes = _changes(before, record.snapshot())
        if changes:
            record.version += 1
            record.updated_by = actor
            record.save()
            _keep_version(record, actor)
            audit("record.update", record, actor=actor, changes=changes)
        for item, label in checked:
            _attach(actor, record, item, label)
    return record


def add_files(*, actor, record: Record, files) -> list[RecordFile]:
    """Files added to a record ((upload, label) pairs), every one checked and scanned
    before any is kept."""
    checked = _check(actor, files)
    with transaction.atomic():
        return [_attach(actor, record, item, label) for item, label in checked]


def withdraw_record(*, actor, record: Record, reason: str) -> Record:
    """A record is never deleted: withdrawn, it leaves the report and the dashboard and
    stays in the history."""
    with transaction.atomic():
        record = Record.objects.select_for_update().get(pk=record.pk)
        if record.withdrawn_at is None:
            record.withdrawn_at, record.withdrawn_by = timezone.now(), actor
            record.withdraw_reason = reason
            record.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
            audit("record.withdraw", record, actor=actor, changes={"reason": [None, reason]})
    return record


def comment(*, actor, record: Record, body: str) -> RecordComment:
    with transaction.atomic():
        made = RecordComment.objects.create(record=record, author=actor, body=body)
        audit("record.comment", record, actor=actor, changes={"comment": [None, body]})
    return made


def _check(actor, files) -> list:
    """Every file checked and scanned before anything is kept (the malware event is
    recorded outside the record's transaction, so a refusal cannot roll it back)."""
    return [(check_upload(actor=actor, upload=upload), label) for upload, label in files]


def _attach(actor, record: Record, checked, label: str) -> RecordFile:
    evidence = keep_evidence(actor=actor, checked=checked)
    attached = RecordFile.objects.create(record=record, evidence=evidence, label=label)
    audit(
        "record.file",
        record,
        actor=actor,
        changes={"file": [None, evidence.filename], "label": [None, label]},
    )
    return attached


def _changes(before: dict, after: dict) -> dict:
    """Field by field, what differs ([before, after]); the kind's fields flattened."""
    flat_before = {**{k: v for k, v in before.items() if k != "data"}, **before.get("data", {})}
    flat_after = {**{k: v for k, v in after.items() if k != "data"}, **after.get("data", {})}
    return {
        key: [flat_before.get(key), flat_after.get(key)]
        for key in {**flat_before, **flat_after}
        if flat_before.get(key) != flat_after.get(key)
    }


def import_ismap_list(*, actor, data: bytes, filename: str, dry_run: bool = False) -> dict:
    """Replace the list of the listings the file holds (ISMAP, ISMAP-LIU or both):
    new services added, changed ones updated, those no longer listed marked removed.
    Returns the counts. Raises ListRefused; nothing is written then."""
    services = ismap.read(data, filename)
    listings = {s.listing for s in services}
    today = timezone.localdate()
    with transaction.atomic():
        known = {s.number: s for s in IsmapService.objects.select_for_update()}
        counts = {"listed": len(services), "new": 0, "changed": 0, "removed": 0}
        numbers = set()
        for listed in services:
            numbers.add(listed.number)
            fields = {
                "listing": listed.listing, "name": listed.name, "provider": listed.provider,
                "registered_on": listed.registered_on, "expires_on": listed.expires_on, "removed_on": None,
            }  # fmt: skip
            current = known.get(listed.number)
            if current is None:
                counts["new"] += 1
                if not dry_run:
                    IsmapService.objects.create(number=listed.number, **fields)
            elif any(getattr(current, k) != v for k, v in fields.items()):
                counts["changed"] += 1
                if not dry_run:
                    IsmapService.objects.filter(pk=current.pk).update(**fields)
        gone = [
            s.pk for s in known.values()
            if s.listing in listings and s.number not in numbers and s.removed_on is None
        ]  # fmt: skip
        counts["removed"] = len(gone)
        if dry_run:
            return counts
        IsmapService.objects.filter(pk__in=gone).update(removed_on=today)
        made = IsmapImport.objects.create(
            filename=filename[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            counts=counts,
            by=actor,
        )
        audit(
            "ismap.import",
            made,
            actor=actor,
            label=filename[:200],
            changes={k: [None, v] for k, v in counts.items()},
        )
    return counts


# --- checking a system's cloud services -------------------------------------------
