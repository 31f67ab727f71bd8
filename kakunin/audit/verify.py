"""Checking the chain: the archive files in order, then the table, then the head.
Kept apart from trail.py (which writes events) because it reads the archive, and the
archive itself records events through the trail."""

from dataclasses import dataclass

from django.core.files.storage import Storage

from kakunin.audit.archive import ArchiveError, read_segment
from kakunin.audit.models import GENESIS_HASH, ArchiveSegment, ChainHead, Event


@dataclass
class Break:
    seq: int
    reason: str


def verify(using: str = "default", archive: Storage | None = None) -> tuple[int, Break | None]:
    """Walk the whole chain: the archive files in order, then the table.
    Returns how many events held, and the first break. `using` and `archive` walk
    another copy (a backup restored to verify it)."""
    checked, prev_hash, next_seq = 0, GENESIS_HASH, None
    for segment in ArchiveSegment.objects.using(using).order_by("first_seq"):
        if segment.first_prev_hash != prev_hash or (next_seq and segment.first_seq != next_seq):
            return checked, Break(
                segment.first_seq, f"archive {segment.filename} does not follow on"
            )
        if segment.purged_at is None:
            try:
                n, broken, _last = walk(read_segment(segment, archive), prev_hash)
            except (ArchiveError, OSError, ValueError) as exc:
                return checked, Break(segment.first_seq, f"archive unreadable: {exc}")
            checked += n
            if broken:
                return checked, broken
        prev_hash, next_seq = segment.last_hash, segment.last_seq + 1
    events = Event.objects.using(using).order_by("seq").iterator(chunk_size=2000)
    n, broken, last = walk(events, prev_hash, next_seq)
    checked += n
    if broken:
        return checked, broken
    head = ChainHead.objects.using(using).filter(pk=1).first()
    tail = (last.seq, last.hash) if last else ((next_seq or 1) - 1, prev_hash)
    if head and (head.seq, head.hash) != tail:
        # The newest events were removed: the head still remembers them.
        return checked, Break(head.seq, "the newest events are missing")
    return checked, None


def walk(events, prev_hash: str, expected_seq: int | None = None):
    """(events that held, the first break, the last good event)."""
    checked, last = 0, None
    for event in events:
        if expected_seq is not None and event.seq != expected_seq:
            return checked, Break(expected_seq, "event missing (sequence gap)"), last
        if event.prev_hash != prev_hash:
            return checked, Break(event.seq, "prev_hash does not match the event before"), last
        if event.compute_hash() != event.hash:
            return checked, Break(event.seq, "content does not match its hash"), last
        prev_hash, expected_seq, last = event.hash, event.seq + 1, event
        checked += 1
    return checked, None, last
