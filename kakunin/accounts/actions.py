"""Issuing, changing and disabling accounts. Every change is audited."""

import secrets
import string

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kakunin.accounts import credentials, logins
from kakunin.accounts.models import (
    Organisation,
    PasswordHistory,
    User,
    UserSession,
)
from kakunin.audit.trail import diff, record

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
def choose_identity(*, user: User, username: str, full_name: str, email: str) -> None:
    """The first administrator's own ID, name and e-mail, in place of the generic ones
    it was made with (audited with both, by the person themself)."""
    before = _snapshot(User.objects.get(pk=user.pk))
    user.username, user.full_name, user.email = username, full_name, email
    user.must_choose_id = False
    user.save(update_fields=["username", "full_name", "email", "must_choose_id"])
    record("user.identity", user, actor=user, changes=diff(before, _snapshot(user)))


@transaction.atomic
def reset_password(*, actor, user: User) -> str:
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record("user.password_reset", user, actor=actor)
    end_sessions(actor=actor, user=user, reason=UserSession.End.PASSWORD)
    credentials.changed(actor=actor, user=user, reason=credentials.PASSWORD_RESET)
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
    credentials.changed(actor=actor, user=user, reason=credentials.DISABLED)


@transaction.atomic
def enable_user(*, actor, user: User) -> None:
    user.is_active = True
    user.disabled_at = None
    user.disabled_reason = ""
    user.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    record("user.enable", user, actor=actor, changes={"is_active": [False, True]})


@transaction.atomic
def create_organisation(
    *,
    actor,
    name: str,
    kind: str,
    contact: str = "",
    is_demo: bool = False,
    corporate_number: str = "",
) -> Organisation:
    org = Organisation.objects.create(
        name=name, kind=kind, contact=contact, is_demo=is_demo, corporate_number=corporate_number
    )
    changes = {"name": [None, name], "kind": [None, kind]}
    if corporate_number:
        changes["corporate_number"] = [None, corporate_number]
    record("organisation.create", org, actor=actor, changes=changes)
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
    credentials.changed(actor=user, user=user, reason=credentials.PASSWORD_CHANGED)


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
    """Lift a lockout before it expires (account-lockout): an account's, or an address throttled
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


@transaction.atomic
def create_user_with_password(*, data: dict, password: str, issued_by) -> User:
    """An account whose person chose its password (an accepted invitation): no change
    is due at the first login. Audited as created by the person."""
    user = User(issued_by=issued_by, password_changed_at=timezone.now(), **data)
    user.set_password(password)
    user.save()
    PasswordHistory.objects.create(user=user, password=user.password)
    record(
        "user.create", user, actor=user, changes={k: [None, v] for k, v in _snapshot(user).items()}
    )
    return user


# Signing in, told by the signals of Django, allauth and django-axes (accounts/receivers.py).
SIGN_IN_EVENTS = frozenset({
    "auth.login", "auth.logout", "auth.login_failed", "auth.mfa_failed", "auth.login_refused",
    "auth.address_lockout", "auth.lockout", "mfa.enrolled", "mfa.removed",
    "auth.directory_failed",
})  # fmt: skip


@transaction.atomic
def sign_in_event(action: str, user=None, *, actor=None, changes=None, label: str = "") -> None:
    """One event of signing in: a login or logout, a failed password or second factor,
    a refusal during a lockout, a lock, a second factor added or removed."""
    assert action in SIGN_IN_EVENTS, action
    record(action, user, actor=actor, changes=changes, label=label)
