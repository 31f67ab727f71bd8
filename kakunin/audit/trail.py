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


def diff(before: dict, after: dict) -> dict:
    """The fields whose value changed, as {field: [before, after]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


@dataclass
class Break:
    seq: int
    reason: str


def verify() -> tuple[int, Break | None]:
    """Walk the whole chain in order. Returns how many events held, and the first break."""
    events = Event.objects.order_by("seq").iterator(chunk_size=2000)
    checked, broken, last = walk(events, GENESIS_HASH)
    if broken:
        return checked, broken
    head = ChainHead.objects.filter(pk=1).first()
    if head and (head.seq, head.hash) != (
        last.seq if last else 0,
        last.hash if last else GENESIS_HASH,
    ):
        # The newest events were removed: the head still remembers them.
        return checked, Break(head.seq, "the newest events are missing")
    return checked, None


def walk(events, prev_hash: str) -> tuple[int, Break | None, Event | None]:
    checked, expected_seq, last = 0, None, None
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
