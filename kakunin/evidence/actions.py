"""Keeping and handing out evidence files: checked, scanned, encrypted, audited."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.audit.trail import record
from kakunin.core import storage
from kakunin.crypto import keys
from kakunin.evidence import clamav
from kakunin.evidence.detect import Refused, detect
from kakunin.evidence.models import Evidence


def _name(evidence: Evidence) -> str:
    return evidence.stored_name.hex


@dataclass(frozen=True)
class Checked:
    """An upload that passed the checks, not yet kept."""

    data: bytes
    filename: str
    kind: str


def add_evidence(*, actor, answer=None, upload) -> Evidence:
    """Keep an uploaded file as evidence of the answer (or of a record of another app,
    which points at it). Raises Refused with the reason; a refused file leaves
    nothing behind."""
    return keep_evidence(
        actor=actor, answer=answer, checked=check_upload(actor=actor, upload=upload, answer=answer)
    )


def check_upload(*, actor, upload, answer=None) -> Checked:
    """Size, type and the malware scan, before anything is kept: a record with several
    files checks them all first. Raises Refused with the reason (malware found is
    audited in its own transaction, whatever the caller does next)."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise Refused(
            _("ファイルが大きすぎます（上限 %(mb)d MB）。") % {"mb": limit // (1024 * 1024)}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise Refused(
            _("ファイルが大きすぎます（上限 %(mb)d MB）。") % {"mb": limit // (1024 * 1024)}
        )
    if not data:
        raise Refused(_("空のファイルは添付できません。"))
    filename = Path(upload.name or "file").name[:200]
    kind = detect(data, filename)
    if settings.CLAMAV_SOCKET:
        try:
            found = clamav.scan(data)
        except clamav.ScannerUnavailable:
            raise Refused(
                _(
                    "ウイルス検査ができないため、いまは受け付けられません。時間をおいてお試しください。"
                )
            ) from None
        if found:
            with transaction.atomic():
                record(
                    "evidence.malware",
                    answer,
                    label=filename,
                    actor=actor,
                    changes={"file": [None, filename], "found": [None, found]},
                )
            raise Refused(
                _("ウイルスが検出されたため受け付けません（%(name)s）。") % {"name": found}
            )
    return Checked(data=data, filename=filename, kind=kind)


def keep_evidence(*, actor, checked: Checked, answer=None) -> Evidence:
    """Keep a checked file: encrypted on disk, its row and audit event in one transaction."""
    data, filename = checked.data, checked.filename
    evidence = Evidence(
        answer=answer,
        filename=filename,
        kind=checked.kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    files = storage.evidence()
    name = files.save(_name(evidence), ContentFile(keys.seal(data, evidence.context)))
    try:
        with transaction.atomic():
            evidence.save()
            record(
                "evidence.add",
                evidence,
                actor=actor,
                changes={
                    "file": [None, filename],
                    "sha256": [None, evidence.sha256],
                    "size": [None, evidence.size],
                },
            )
    except Exception:
        files.delete(name)
        raise
    return evidence


def copy_evidence(*, actor, source: Evidence, answer) -> Evidence:
    """A kept file copied to an answer (an answer library's file into a municipality's
    own store): decrypted, checked against its SHA-256, sealed again under a new name."""
    with storage.evidence().open(_name(source)) as f:
        data = keys.unseal(f.read(), source.context)
    if hashlib.sha256(data).hexdigest() != source.sha256:
        raise Refused(
            _("証跡ファイル「%(name)s」が壊れているため複写できません。")
            % {"name": source.filename}
        )
    checked = Checked(data=data, filename=source.filename, kind=source.kind)
    return keep_evidence(actor=actor, checked=checked, answer=answer)


def forget_file(evidence: Evidence) -> None:
    """The file of an evidence row whose transaction was rolled back."""
    storage.evidence().delete(_name(evidence))


def read_evidence(*, actor, evidence: Evidence) -> bytes:
    """The file's content, for a download (audited)."""
    with storage.evidence().open(_name(evidence)) as f:
        data = keys.unseal(f.read(), evidence.context)
    with transaction.atomic():
        record(
            "evidence.download", evidence, actor=actor, changes={"sha256": [None, evidence.sha256]}
        )
    return data


@transaction.atomic
def remove_evidence(*, actor, evidence: Evidence) -> None:
    """The file goes; the record of it (name, hash, who, when) stays."""
    evidence.removed_at, evidence.removed_by = timezone.now(), actor
    evidence.save(update_fields=["removed_at", "removed_by"])
    record("evidence.remove", evidence, actor=actor, changes={"file": [evidence.filename, None]})
    transaction.on_commit(lambda: storage.evidence().delete(_name(evidence)))
