"""Writing and checking the audit trail.

Every change in Kakunin calls record() inside the transaction that makes the
change, so that the event and the change commit or roll back together.
"""

import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kakunin.audit.context import client_ip
from kakunin.audit.models import GENESIS_HASH, ChainHead, Event


def _jsonable(value):
    """Changes as they will read back from the database, so the hash is stable."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def record(action: str, obj=None, *, actor=None, changes=None, label: str = "") -> Event:
    """Append one event to the chain. `changes` maps a field to [before, after]."""
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        event = Event(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor if actor is not None and actor.pk else None,
            actor_label=actor.audit_label if actor is not None and actor.pk else "",
            ip=client_ip.get(),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_label=(label or (str(obj) if obj is not None else ""))[:300],
            changes=_jsonable(changes or {}),
            prev_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def record_view(user, obj, system) -> None:
    """Ward staff opening another department's system or assessment (items 28, 58④)."""
    if user.is_ward_staff and system.department_id != user.organisation_id:
        record("data.view", obj, actor=user)


def diff(before: dict, after: dict) -> dict:
    """The fields whose value changed, as {field: [before, after]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


@dataclass
class Break:
    seq: int
    reason: str


def verify() -> tuple[int, Break | None]:
    """Walk the whole chain: the archive files in order, then the table.
    Returns how many events held, and the first break."""
    from kakunin.audit.archive import ArchiveError, read_segment
    from kakunin.audit.models import ArchiveSegment

    checked, prev_hash, next_seq = 0, GENESIS_HASH, None
    for segment in ArchiveSegment.objects.order_by("first_seq"):
        if segment.first_prev_hash != prev_hash or (next_seq and segment.first_seq != next_seq):
            return checked, Break(
                segment.first_seq, f"archive {segment.filename} does not follow on"
            )
        if segment.purged_at is None:
            try:
                n, broken, _last = walk(read_segment(segment), prev_hash)
            except (ArchiveError, OSError, ValueError) as exc:
                return checked, Break(segment.first_seq, f"archive unreadable: {exc}")
            checked += n
            if broken:
                return checked, broken
        prev_hash, next_seq = segment.last_hash, segment.last_seq + 1
    events = Event.objects.order_by("seq").iterator(chunk_size=2000)
    n, broken, last = walk(events, prev_hash, next_seq)
    checked += n
    if broken:
        return checked, broken
    head = ChainHead.objects.filter(pk=1).first()
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
