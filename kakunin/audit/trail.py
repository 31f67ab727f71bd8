"""Writing the audit trail (checking it: verify.py).

Every change in Kakunin calls record() inside the transaction that makes the
change, so that the event and the change commit or roll back together.
"""

import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from kakunin.audit.context import current_ip
from kakunin.audit.models import ChainHead, Event, MunicipalityChainHead
from kakunin.tenants.active import current
from kakunin.tenants.models import Municipality


def _jsonable(value):
    """Changes as they will read back from the database, so the hash is stable."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


# Events that change nothing but an answer (which the assessment page checks for
# itself), or nothing at all: they leave ChainHead.others_hash where it is.
QUIET = frozenset({"answer.update", "data.view", "evidence.download"})


def _label_of(obj) -> str:
    """How the trail names an object: as it names itself for the trail (`audit_label`:
    a vendor's answer library names no product in it), else as it prints."""
    if obj is None:
        return ""
    return str(getattr(obj, "audit_label", None) or obj)


def record(action: str, obj=None, *, actor=None, changes=None, label: str = "") -> Event:
    """Append one event to the chain. `changes` maps a field to [before, after]."""
    return record_many([(action, obj, changes or {})], actor=actor, label=label)[0]


def record_many(entries: Sequence[tuple[str, Any, dict]], *, actor=None, label: str = "") -> list:
    """Append events (action, object, changes) to the chain in one locked step: one
    read and one write of the chain head, and the events inserted together."""
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev, at = head.seq, head.hash, timezone.now()
        municipality = _municipality_of(actor, entries)
        own, code = _own_head(municipality)
        events = []
        for action, obj, changes in entries:
            seq += 1
            event = Event(
                seq=seq,
                at=at,
                actor=actor if actor is not None and actor.pk else None,
                actor_label=actor.audit_label if actor is not None and actor.pk else "",
                municipality_id=municipality,
                ip=current_ip.get(),
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                object_label=(label or _label_of(obj))[:300],
                changes=_jsonable(changes or {}),
                prev_hash=prev,
            )
            event.hash = prev = event.compute_hash()
            if own is not None:
                own.seq += 1
                event.chain_seq, event.chain_prev_hash = own.seq, own.hash
                event.chain_hash = own.hash = event.compute_chain_hash(code)
            events.append(event)
        Event.objects.bulk_create(events)
        head.seq, head.hash = seq, prev
        changed = any(action not in QUIET for action, _obj, _changes in entries)
        if changed:
            head.others_hash = prev
        head.save(update_fields=["seq", "hash", "others_hash"])
        if own is not None:
            if changed:
                own.others_hash = own.hash
            own.save(update_fields=["seq", "hash", "others_hash"])
    return events


def _own_head(municipality_id: int | None) -> tuple[MunicipalityChainHead | None, str]:
    """The municipality's own chain head, locked (after the service's), and its code."""
    if municipality_id is None:
        return None, ""
    own, _ = MunicipalityChainHead.objects.select_for_update().get_or_create(
        municipality_id=municipality_id
    )
    active = current()
    code = (
        active.code
        if active is not None and active.pk == municipality_id
        else Municipality.objects.values_list("code", flat=True).get(pk=municipality_id)
    )
    return own, code


# How an object leads to its municipality, when nothing is active (a command, a job).
_PATHS = (
    ("municipality_id",),
    ("system", "municipality_id"),
    ("assessment", "system", "municipality_id"),
    ("report", "system", "municipality_id"),
    ("record", "system", "municipality_id"),
    ("answer", "assessment", "system", "municipality_id"),
)


def _municipality_of(actor, entries) -> int | None:
    """The municipality worked in; outside one, the first object's, else the acting
    member of the ward's staff's own (their sign-in); else none: the service's own."""
    if (municipality := current()) is not None:
        return municipality.pk
    for _action, obj, _changes in entries[:1]:
        for path in _PATHS if obj is not None else ():
            value = obj
            for name in path:
                value = getattr(value, name, None)
            if isinstance(value, int):
                return value
    return getattr(actor, "municipality_id", None) if actor is not None else None


def record_view(user, obj, system) -> None:
    """Ward staff opening another department's system or assessment (log-collection, security-event-logging)."""
    if user.is_ward_staff and system.department_id != user.organisation_id:
        record("data.view", obj, actor=user)


def diff(before: dict, after: dict) -> dict:
    """The fields whose value changed, as {field: [before, after]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def carry_in(municipality: Municipality, events: list[Event], origin: tuple[int, str]) -> int:
    """A municipality's chain carried in from another Kakunin (import_municipality):
    its events appended to the service's chain with numbers of this service, each
    keeping its place and hash in the municipality's own chain (which covers neither
    the service's numbers nor the actor's id), so that chain verifies here as it did
    there. `origin` is where its first event carried follows on."""
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev = head.seq, head.hash
        for event in events:
            seq += 1
            event.pk, event.seq, event.prev_hash = None, seq, prev
            event.actor, event.municipality_id = None, municipality.pk
            event.hash = prev = event.compute_hash()
        Event.objects.bulk_create(events, batch_size=2000)
        head.seq, head.hash, head.others_hash = seq, prev, prev
        head.save(update_fields=["seq", "hash", "others_hash"])
        last = (int(events[-1].chain_seq or 0), events[-1].chain_hash) if events else origin
        MunicipalityChainHead.objects.create(
            municipality=municipality,
            seq=last[0],
            hash=last[1],
            others_hash=last[1],
            origin_seq=origin[0],
            origin_hash=origin[1],
        )
    return len(events)


def erase(municipality: Municipality, key: str) -> dict:
    """Empty the municipality's events in the table, keeping their places in the
    service's chain (EventQuerySet._erase); the record of what was emptied, for the
    erasure's own event: {"key", "count", "digest"} (verify.walk checks it)."""
    from kakunin.audit.verify import Erased

    with transaction.atomic():
        ChainHead.objects.select_for_update().get_or_create(pk=1)
        places = Event.objects.filter(municipality=municipality).order_by("seq")
        erased = Erased()
        for event in places.only("seq", "hash").iterator(chunk_size=5000):
            erased.add(event)
        Event.objects.filter(municipality=municipality)._erase(key)
        MunicipalityChainHead.objects.filter(municipality=municipality).delete()
    return erased.as_record(key)
