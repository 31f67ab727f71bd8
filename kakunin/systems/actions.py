"""Registering and changing systems, and who works on them. Each change is audited
in the same transaction."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.accounts.actions import create_organisation, create_user_with_password
from kakunin.accounts.models import Organisation, Role, User
from kakunin.audit.trail import diff, record
from kakunin.core.times import local
from kakunin.notifications.actions import email_address, notify
from kakunin.systems.models import AccessRequest, Invitation, Membership, System
from kakunin.tenants.active import everywhere


class MembershipRefused(Exception):
    """The person cannot be given the system (the reason is in the message)."""


class InvitationRefused(Exception):
    """The invitation cannot be sent or accepted (the reason is in the message)."""


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


INVITATION_HOURS = 72


def _token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite(*, actor, system, organisation: Organisation, full_name: str, email: str) -> Invitation:
    """Invite a vendor contact to a system by e-mail: a single-use link, valid 72 hours.
    The account it creates belongs to the company and is given this system only.
    The company must already be one of the system's vendors."""
    if organisation.kind != Organisation.Kind.VENDOR:
        raise InvitationRefused(_("招待できるのは事業者の組織の方だけです。"))
    if not system.vendors.filter(pk=organisation.pk).exists():
        raise InvitationRefused(
            _(
                "%(org)s はこのシステムの事業者ではありません。先に「システム情報を編集」で事業者に加えてください。"
            )
            % {"org": organisation.name}
        )
    # One person, one ID across the service: the company's person of the same name
    # with an account under another address (invited before by another municipality)
    # is invited at that address, not given a second account.
    if (holder := account_for(email)) is None and _namesake(organisation, full_name):
        raise InvitationRefused(
            _(
                "%(org)s の %(name)s さんは、別のメールアドレスで Kakunin のアカウントをお持ちです。同じ方であれば、そのアカウントのメールアドレス宛てに招待してください（1人1ID）。別の方であれば、区別できる氏名で招待してください。"
            )
            % {"org": organisation.name, "name": full_name}
        )
    # Whether the address has an account changes only what its owner is told, never what
    # the inviter sees (issue 23.14): the invitation is made and listed alike.
    token, digest = _token()
    invitation = Invitation.objects.create(
        system=system,
        organisation=organisation,
        full_name=full_name,
        email=email,
        token_hash=digest,
        invited_by=actor,
        expires_at=timezone.now() + timedelta(hours=INVITATION_HOURS),
    )
    record(
        "invitation.create",
        invitation,
        actor=actor,
        changes={"email": [None, email], "system": [None, system.name]},
    )
    page = settings.SITE_URL.rstrip("/") + reverse("invitations:open")
    context = {
        "name": full_name,
        "inviter": actor.full_name,
        "department": system.department.name,
        "system": system.name,
        "expires": local(invitation.expires_at),
        # The code after "#": never sent in a request line, so never in an access log.
        "link": f"{page}#{token}",
        "page": page,
        "code": token,
    }
    if holder is None:
        email_address(email, "invitation", context)
        return invitation
    # One person, one ID: no second account. Its owner may join with the account they
    # have (logged in, through the same link) when it is one of the company's; else
    # they are told why not. The trail says which (read by auditors and reviewers).
    joinable = can_join(holder, invitation)
    record(
        "invitation.existing_account",
        invitation,
        actor=actor,
        changes={"user": [None, holder.username], "joinable": [None, joinable]},
    )
    email_address(
        holder.email,
        "invitation_existing" if joinable else "invitation_other",
        context
        | {
            "name": holder.full_name,
            "username": holder.username,
            "organisation": organisation.name,
        },
        language=holder.language or settings.LANGUAGE_CODE,
    )
    return invitation


def _namesake(organisation: Organisation, full_name: str) -> bool:
    """Whether the company has an active person of this name (spaces aside)."""
    wanted = "".join(full_name.split())
    people = User.objects.filter(role=Role.VENDOR, organisation=organisation, is_active=True)
    return any("".join(p.split()) == wanted for p in people.values_list("full_name", flat=True))


def account_for(email: str) -> User | None:
    """The account that has this address, if any (addresses are unique, ignoring case)."""
    return User.objects.filter(email__iexact=email).first()


def can_join(user, invitation: Invitation) -> bool:
    """An account may take an invitation sent to its address when it is an active account
    of the invited company (the company's other people are added the same way)."""
    return (
        user.is_active
        and user.role == Role.VENDOR
        and user.organisation_id == invitation.organisation_id
        and user.email.casefold() == invitation.email.casefold()
    )


@transaction.atomic
def join_by_invitation(*, invitation: Invitation, user) -> Membership:
    """The invited person already has an account: logged in with it, they take the
    invitation, which gives them the system; the link is then spent."""
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not current.usable:
        raise InvitationRefused(_("この招待リンクは使用済みか、期限が切れています。"))
    if not can_join(user, current):
        raise InvitationRefused(
            _("この招待は、このアカウントでは受けられません。招待した方にご連絡ください。")
        )
    return _spend(current, user)


def _spend(invitation: Invitation, user) -> Membership:
    """The invitation taken by `user`: spent, and the inviting system given to them (the
    company's other systems need their own grant). Both audited."""
    invitation.accepted_at, invitation.user = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "user"])
    record("invitation.accept", invitation, actor=user, changes={"user": [None, user.username]})
    membership, created = Membership.objects.get_or_create(
        system=invitation.system, user=user, defaults={"granted_by": invitation.invited_by}
    )
    if created:
        record(
            "system.member_add",
            invitation.system,
            actor=user,
            changes={"member": [None, str(user)], "invitation": [None, invitation.pk]},
        )
    return membership


def find_invitation(token: str) -> Invitation | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    # By its code, in any municipality: the code is the invitation's own key (read as
    # the service, so that PostgreSQL's row-level security lets it through too).
    with everywhere():
        return (
            Invitation.objects.across_municipalities()
            .select_related("system", "organisation")
            .filter(token_hash=digest)
            .first()
        )


@transaction.atomic
def accept_invitation(*, invitation: Invitation, username: str, password: str) -> User:
    """The invited person chooses an ID and a password; the link is then spent."""
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not current.usable or account_for(current.email) is not None:
        # Spent, expired, or the address has had an account made since: no second one.
        raise InvitationRefused(_("この招待リンクは使用済みか、期限が切れています。"))
    data = {
        "username": username,
        "email": current.email,
        "full_name": current.full_name,
        "role": Role.VENDOR,
        "organisation": current.organisation,
    }
    user = create_user_with_password(data=data, password=password, issued_by=current.invited_by)
    _spend(current, user)
    return user


@transaction.atomic
def request_access(*, actor, system, full_name: str, email: str, reason: str) -> AccessRequest:
    """A vendor asks for a colleague; the owning department decides."""
    access_request = AccessRequest.objects.create(
        system=system,
        organisation=actor.organisation,
        requested_by=actor,
        full_name=full_name,
        email=email,
        reason=reason,
    )
    record("access_request.create", access_request, actor=actor, changes={"email": [None, email]})
    staff = User.objects.filter(
        role=Role.DEPARTMENT, organisation=system.department_id, is_active=True
    )
    notify(
        staff,
        "access_request",
        {
            "actor": actor.full_name,
            "organisation": actor.organisation.name,
            "system": system.name,
            "name": full_name,
            "email": email,
            "reason": reason,
            "url": reverse("invitations:requests"),
        },
        url=reverse("invitations:requests"),
    )
    return access_request


@transaction.atomic
def decide_access_request(
    *, actor, access_request: AccessRequest, approve: bool
) -> Invitation | None:
    current = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if current.state != AccessRequest.State.PENDING:
        raise InvitationRefused(_("この依頼は処理済みです。"))
    current.state = AccessRequest.State.APPROVED if approve else AccessRequest.State.REJECTED
    current.decided_by, current.decided_at = actor, timezone.now()
    current.save(update_fields=["state", "decided_by", "decided_at"])
    record(
        "access_request.decide", current, actor=actor, changes={"state": ["pending", current.state]}
    )
    if not approve:
        return None
    return invite(
        actor=actor,
        system=current.system,
        organisation=current.organisation,
        full_name=current.full_name,
        email=current.email,
    )
