"""Registering and changing systems, and who works on them. Each change is audited
in the same transaction."""

from django.db import transaction
from django.utils.translation import gettext as _

from kakunin.accounts.actions import create_organisation
from kakunin.accounts.models import Organisation
from kakunin.audit.trail import diff, record
from kakunin.systems.models import Membership, System


class MembershipRefused(Exception):
    """The person cannot be given the system (the reason is in the message)."""


def _with_new_vendor(actor, vendors, new_vendor: str) -> list:
    """The chosen vendor companies, and the one registered with the change, if any."""
    vendors = list(vendors)
    if new_vendor:
        vendors.append(
            create_organisation(actor=actor, name=new_vendor, kind=Organisation.Kind.VENDOR)
        )
    return vendors


@transaction.atomic
def create_system(*, actor, data: dict, vendors, new_vendor: str = "") -> System:
    system = System.objects.create(created_by=actor, **data)
    system.vendors.set(_with_new_vendor(actor, vendors, new_vendor))
    after = system.profile_snapshot()
    record("system.create", system, actor=actor, changes={k: [None, v] for k, v in after.items()})
    return system


@transaction.atomic
def update_system(*, actor, system: System, data: dict, vendors, new_vendor: str = "") -> bool:
    """Change the profile. Applicability follows; answers are never deleted. People of
    a vendor company no longer serving the system lose it (recorded with the change)."""
    before = System.objects.get(pk=system.pk).profile_snapshot()
    for field, value in data.items():
        setattr(system, field, value)
    system.save()
    system.vendors.set(_with_new_vendor(actor, vendors, new_vendor))
    gone = system.memberships.exclude(user__organisation__in=system.vendors.all())
    left = sorted(str(m.user) for m in gone.select_related("user"))
    gone.delete()
    changes = diff(before, system.profile_snapshot())
    if left:
        changes["members"] = [left, None]
    if changes:
        record("system.update", system, actor=actor, changes=changes)
    return bool(changes)


@transaction.atomic
def add_member(*, actor, system: System, user) -> Membership:
    """Give a vendor person the system. Their company must already be one of its vendors:
    adding a company is a decision of its own (update_system), never a side effect."""
    if user.role != "vendor" or not system.vendors.filter(pk=user.organisation_id).exists():
        raise MembershipRefused(_("このシステムの事業者に所属する方だけを担当者にできます。"))
    membership, created = Membership.objects.get_or_create(
        system=system, user=user, defaults={"granted_by": actor}
    )
    if created:
        record(
            "system.member_add",
            system,
            actor=actor,
            changes={"member": [None, str(user)], "organisation": [None, str(user.organisation)]},
        )
    return membership


@transaction.atomic
def remove_member(*, actor, system: System, user) -> bool:
    deleted, _rows = Membership.objects.filter(system=system, user=user).delete()
    if deleted:
        record("system.member_remove", system, actor=actor, changes={"member": [str(user), None]})
    return bool(deleted)
