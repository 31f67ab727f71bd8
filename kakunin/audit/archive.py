"""Moving old events into compressed archive files, and reading them back.

An archive file is gzip'd JSON lines, one event each, with its hash and the
hash before it. The table keeps the newest events; verify() walks the archive
files in order and then the table, so the chain verifies across both.
"""

import gzip
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kakunin.audit.models import ArchiveSegment, Event
from kakunin.core import storage

FIELDS = ["seq", "at", "actor_id", "actor_label", "ip", "action", "object_type", "object_id",
          "object_label", "changes", "prev_hash", "hash",
          "municipality_id", "chain_seq", "chain_prev_hash", "chain_hash"]  # fmt: skip
BATCH = 50_000


class ArchiveError(Exception):
    pass


def _line(event: Event) -> str:
    row = {f: getattr(event, f) for f in FIELDS}
    row["at"] = event.at.isoformat()
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def read_segment(segment: ArchiveSegment, files: Storage | None = None):
    """The events of one archive file, as unsaved Event objects (for verify). `files` reads
    another copy of the archive (a backup being verified)."""
    with (files or storage.audit_archive()).open(segment.filename) as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != segment.sha256:
        raise ArchiveError(f"{segment.filename}: the file was changed (SHA-256 differs)")
    for line in gzip.decompress(data).decode().splitlines():
        row = json.loads(line)
        row["at"] = parse_datetime(row["at"])
        yield Event(**row)


@dataclass(frozen=True)
class PlannedSegment:
    """A file archive() would write: its events, by sequence number and time."""

    first_seq: int
    last_seq: int
    count: int
    first_at: datetime
    last_at: datetime

    @property
    def filename(self) -> str:
        return segment_name(self.first_seq, self.last_seq)


def segment_name(first_seq: int, last_seq: int) -> str:
    return f"audit-{first_seq:012d}-{last_seq:012d}.jsonl.gz"


def plan(older_than_days: int) -> list[PlannedSegment]:
    """What archive() would move now, file by file, without writing anything."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    rows = Event.objects.filter(at__lt=cutoff).order_by("seq").values_list("seq", "at")
    planned, batch = [], []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            planned.append(_planned(batch))
            batch = []
    if batch:
        planned.append(_planned(batch))
    return planned


def _planned(batch) -> PlannedSegment:
    (first_seq, first_at), (last_seq, last_at) = batch[0], batch[-1]
    return PlannedSegment(first_seq, last_seq, len(batch), first_at, last_at)


def write_segment(batch: list[Event]) -> ArchiveSegment:
    first, last = batch[0], batch[-1]
    data = gzip.compress(("\n".join(_line(e) for e in batch) + "\n").encode(), mtime=0)
    # Durable before the events leave the table: written whole (temporary file, fsync,
    # rename) by the folder storage; a file left by a run that died here is replaced.
    name = storage.audit_archive().save(segment_name(first.seq, last.seq), ContentFile(data))
    with transaction.atomic():
        segment = ArchiveSegment.objects.create(
            first_seq=first.seq,
            last_seq=last.seq,
            first_prev_hash=first.prev_hash,
            last_hash=last.hash,
            first_at=first.at,
            last_at=last.at,
            count=len(batch),
            filename=name,
            sha256=hashlib.sha256(data).hexdigest(),
            chains=_chains_at_end(batch),
        )
        Event.objects.filter(seq__gte=first.seq, seq__lte=last.seq)._move_to_archive()
    return segment


def _chains_at_end(batch: list[Event]) -> dict:
    """Where each municipality's chain stands after the file's events."""
    ends = {}
    for event in batch:
        if event.chain_seq is not None:
            ends[str(event.municipality_id)] = [event.chain_seq, event.chain_hash]
    return ends


def expired():
    """The archive files whose newest event is past AUDIT_RETENTION_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    return ArchiveSegment.objects.filter(purged_at__isnull=True, last_at__lt=cutoff)
