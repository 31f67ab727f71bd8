"""Registering and changing systems, each change audited in the same transaction."""

from django.db import transaction

from kakunin.audit.trail import diff, record
from kakunin.systems.models import System


@transaction.atomic
def create_system(*, actor, data: dict, vendors) -> System:
    system = System.objects.create(created_by=actor, **data)
    system.vendors.set(vendors)
    after = system.profile_snapshot()
    record("system.create", system, actor=actor, changes={k: [None, v] for k, v in after.items()})
    return system


@transaction.atomic
def update_system(*, actor, system: System, data: dict, vendors) -> bool:
    """Change the profile. Applicability follows; answers are never deleted."""
    before = System.objects.get(pk=system.pk).profile_snapshot()
    for field, value in data.items():
        setattr(system, field, value)
    system.save()
    system.vendors.set(vendors)
    changes = diff(before, system.profile_snapshot())
    if changes:
        record("system.update", system, actor=actor, changes=changes)
    return bool(changes)
