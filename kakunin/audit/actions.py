"""The audit trail's own audited writes: old events moved into archive files, an
export of events, and the purge of archive files past AUDIT_RETENTION_DAYS."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kakunin.audit import archive
from kakunin.audit.models import ArchiveSegment, Event
from kakunin.audit.trail import record
from kakunin.core import storage


def archive_events(older_than_days: int) -> list[ArchiveSegment]:
    """Move every event older than the cut-off, oldest first, into files of archive.BATCH events."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    segments = []
    while True:
        batch = list(Event.objects.filter(at__lt=cutoff).order_by("seq")[: archive.BATCH])
        if not batch:
            break
        segments.append(archive.write_segment(batch))
    if segments:
        with transaction.atomic():
            record(
                "audit.archive",
                changes={
                    "events": [None, sum(s.count for s in segments)],
                    "files": [None, [s.filename for s in segments]],
                },
            )
    return segments


@transaction.atomic
def exported(*, actor, filters: dict) -> None:
    """Who took a copy of which events (the CSV streams after this is committed)."""
    record("audit.export", actor=actor, changes={"filters": [None, filters]})


@transaction.atomic
def verified(*, actor, checked: int, broken) -> None:
    """An auditor checked their municipality's chain: what held, where it broke."""
    changes = {"checked": [None, checked]}
    if broken is not None:
        changes["broken_at"] = [None, broken.seq]
    record("audit.verify", actor=actor, changes=changes)


def purge_expired() -> list[ArchiveSegment]:
    """Delete archive files whose newest event is past AUDIT_RETENTION_DAYS (never sooner).
    The segment keeps its hashes, so the chain still verifies from the next one."""
    purged = []
    for segment in archive.expired():
        storage.audit_archive().delete(segment.filename)
        segment.purged_at = timezone.now()
        segment.save(update_fields=["purged_at"])
        purged.append(segment)
    if purged:
        with transaction.atomic():
            record("audit.purge", changes={"files": [None, [s.filename for s in purged]]})
    return purged
