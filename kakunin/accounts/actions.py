"""Issuing, changing and disabling accounts. Every change is audited."""

import hashlib
import secrets
import string
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.accounts import logins
from kakunin.accounts.models import (
    AccessRequest,
    Invitation,
    Organisation,
    PasswordHistory,
    Role,
    User,
    UserSession,
)
from kakunin.audit.trail import diff, record
from kakunin.core.times import local
from kakunin.notifications.actions import email_address, notify
from kakunin.systems.models import Membership


class InvitationRefused(Exception):
    pass


# Readable one-time passwords: no 0/O or 1/l/I to misread over the phone.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def one_time_password(length: int = 16) -> str:
    """A random password that meets the policy (upper, lower and digits, 12+)."""
    while True:
        pw = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            if any(c.isdigit() for c in pw):
                return pw


def _snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "organisation": user.organisation.name if user.organisation else None,
        "is_active": user.is_active,
        "manages_organisation": user.manages_organisation,
    }


@transaction.atomic
def create_user(*, actor, data: dict) -> tuple[User, str]:
    """Issue an account with a one-time password that must be changed at first login."""
    password = one_time_password()
    user = User(issued_by=actor, must_change_password=True, **data)
    user.set_password(password)
    user.save()
    record(
        "user.create",
        user,
        actor=actor,
        changes={k: [None, v] for k, v in _snapshot(user).items()},
    )
    return user, password


@transaction.atomic
def update_user(*, actor, user: User, data: dict) -> bool:
    before = _snapshot(User.objects.get(pk=user.pk))
    for field, value in data.items():
        setattr(user, field, value)
    user.save()
    changes = diff(before, _snapshot(user))
    if changes:
        record("user.update", user, actor=actor, changes=changes)
    return bool(changes)


@transaction.atomic
def reset_password(*, actor, user: User) -> str:
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record("user.password_reset", user, actor=actor)
    end_sessions(actor=actor, user=user, reason=UserSession.End.PASSWORD)
    return password


@transaction.atomic
def disable_user(*, actor, user: User, reason: str) -> None:
    user.is_active = False
    user.disabled_at = timezone.now()
    user.disabled_reason = reason
    user.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    record(
        "user.disable",
        user,
        actor=actor,
        changes={"is_active": [True, False], "reason": [None, reason]},
    )
    end_sessions(actor=actor, user=user, reason=UserSession.End.DISABLED)


@transaction.atomic
def enable_user(*, actor, user: User) -> None:
    user.is_active = True
    user.disabled_at = None
    user.disabled_reason = ""
    user.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    record("user.enable", user, actor=actor, changes={"is_active": [False, True]})


@transaction.atomic
def create_organisation(
    *, actor, name: str, kind: str, contact: str = "", is_demo: bool = False
) -> Organisation:
    org = Organisation.objects.create(name=name, kind=kind, contact=contact, is_demo=is_demo)
    record(
        "organisation.create",
        org,
        actor=actor,
        changes={"name": [None, name], "kind": [None, kind]},
    )
    return org


@transaction.atomic
def password_changed(*, user: User) -> None:
    """Called after the person chose a new password (allauth's adapter)."""
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    PasswordHistory.objects.create(user=user, password=user.password)
    stale = user.password_history.values_list("pk", flat=True)[settings.PASSWORD_HISTORY :]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()
    record("user.password_change", user, actor=user)


@transaction.atomic
def end_sessions(
    *, actor, user: User, reason: str, keep: UserSession | None = None, only=None
) -> int:
    """End the person's sessions (all, all but `keep`, or `only` one): the next request
    of each is logged out."""
    rows = user.sessions.all()
    if keep is not None:
        rows = rows.exclude(pk=keep.pk)
    if only is not None:
        rows = rows.filter(pk=only.pk)
    count = logins.end(rows, reason)
    if count:
        record(
            "auth.sessions_end",
            user,
            actor=actor,
            changes={"ended": [None, count], "reason": [None, reason]},
        )
    return count


@transaction.atomic
def password_expired(*, user: User) -> None:
    """The password is older than PASSWORD_MAX_AGE_DAYS: a change is due before anything else."""
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    record(
        "user.password_expired",
        user,
        actor=user,
        changes={"password_changed_at": [str(user.password_changed_at), None]},
    )


@transaction.atomic
def unlock(*, actor, username: str = "", address: str = "") -> int:
    """Lift a lockout before it expires (item 45): an account's, or an address throttled
    for spraying (its failures are forgotten, with those of the accounts tried from it).
    Returns how many records were cleared."""
    if address:
        cleared = axes_reset(ip=address)
        record("auth.unlock", actor=actor, changes={"address": address}, label=address)
        return cleared
    cleared = axes_reset(username=username.lower())
    record(
        "auth.unlock",
        User.objects.filter(username__iexact=username).first(),
        actor=actor,
        changes={"login": username},
        label=username,
    )
    return cleared


@transaction.atomic
def disable_many(*, actor, users, reason: str) -> int:
    """Disable every account given, each with its own audit event (the account review)."""
    count = 0
    for user in users:
        if user.is_active and user != actor:
            disable_user(actor=actor, user=user, reason=reason)
            count += 1
    return count


@transaction.atomic
def complete_review(*, actor, listed: int) -> None:
    record("account_review.complete", actor=actor, changes={"listed": [None, listed]})


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
    if User.objects.filter(email__iexact=email).exists():
        raise InvitationRefused(
            _(
                "このメールアドレスの利用者は既にいます（1人1ID）。「担当者を追加」からその方を追加してください。"
            )
        )
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
    page = settings.SITE_URL.rstrip("/") + reverse("accounts:invitation")
    email_address(
        email,
        "invitation",
        {
            "name": full_name,
            "inviter": actor.full_name,
            "department": system.department.name,
            "system": system.name,
            "expires": local(invitation.expires_at),
            # The code after "#": never sent in a request line, so never in an access log.
            "link": f"{page}#{token}",
            "page": page,
            "code": token,
        },
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return (
        Invitation.objects.select_related("system", "organisation")
        .filter(token_hash=digest)
        .first()
    )


@transaction.atomic
def accept_invitation(*, invitation: Invitation, username: str, password: str) -> User:
    """The invited person chooses an ID and a password; the link is then spent."""
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not current.usable:
        raise InvitationRefused(_("この招待リンクは使用済みか、期限が切れています。"))
    user = User(
        username=username,
        email=current.email,
        full_name=current.full_name,
        role=Role.VENDOR,
        organisation=current.organisation,
        issued_by=current.invited_by,
        password_changed_at=timezone.now(),
    )
    user.set_password(password)
    user.save()
    PasswordHistory.objects.create(user=user, password=user.password)
    current.accepted_at, current.user = timezone.now(), user
    current.save(update_fields=["accepted_at", "user"])
    record("invitation.accept", current, actor=user, changes={"user": [None, user.username]})
    record(
        "user.create", user, actor=user, changes={k: [None, v] for k, v in _snapshot(user).items()}
    )
    # The inviting system only: the company's other systems need their own grant.
    Membership.objects.create(system=current.system, user=user, granted_by=current.invited_by)
    record(
        "system.member_add",
        current.system,
        actor=user,
        changes={"member": [None, str(user)], "invitation": [None, current.pk]},
    )
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
            "url": reverse("accounts:access_requests"),
        },
        url=reverse("accounts:access_requests"),
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
