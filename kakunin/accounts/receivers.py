"""Authentication events come from the signals of Django, django-axes and allauth:
they are the only places where these events can be seen. Each is recorded in the
audit trail; logins and logouts also keep the person's list of sessions.

Connected in AccountsConfig.ready(), which first has django-axes connect its own:
axes' receivers run first, so a failure is counted before on_login_failed reads it.
"""

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed
from allauth.mfa.utils import is_mfa_enabled
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kakunin.accounts import actions, lockout, logins
from kakunin.accounts.models import User, UserSession


def _account(login: str) -> User | None:
    if not login:
        return None
    return (
        User.objects.filter(username__iexact=login).first()
        or User.objects.filter(email__iexact=login).first()
    )


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    actions.sign_in_event("auth.login", user, actor=user)
    if request is not None and hasattr(request, "session"):
        logins.started(request, user)
        if user.needs_mfa and not is_mfa_enabled(user) and _just_typed_password(request, user):
            # The gate sends this person straight to enrol TOTP: the password typed a moment
            # ago is the proof allauth asks for, not a reason to ask for it again.
            record_authentication(request, user, "password", reauthenticated=True)


def _just_typed_password(request, user) -> bool:
    records = get_authentication_records(request, user)
    return bool(records) and records[-1].get("method") == "password"


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        actions.sign_in_event("auth.logout", user, actor=user)
    if request is not None and hasattr(request, "session"):
        logins.ended(request, UserSession.End.LOGOUT)


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    """The person changed their password: their other sessions end (this one goes on).
    Typing the current password to change it is a fresh proof: enrolling TOTP right after
    the forced change does not ask for the password yet again."""
    record_authentication(request, user, "password", reauthenticated=True)
    actions.end_sessions(
        actor=user, user=user, reason=UserSession.End.PASSWORD, keep=logins.current(request)
    )


@receiver(password_reset)
def on_password_reset(sender, request, user, **kwargs):
    """A password reset by e-mail: every session of the account ends."""
    actions.end_sessions(actor=user, user=user, reason=UserSession.End.PASSWORD)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    """A failed password or second factor, or an attempt refused during a lockout.
    The typed identifier is kept (trimmed), never the password or the code."""
    if getattr(request, "kakunin_recorded", False):
        return  # the directory that refused it recorded why (auth.directory_failed)
    login = str(credentials.get("username") or credentials.get("email") or "")[:150]
    user = _account(login)
    label = user.audit_label if user else login
    refused = getattr(request, "kakunin_refused", None)
    if refused:
        # One event per refusal: the lock itself was recorded once, when it began.
        actions.sign_in_event(
            "auth.login_refused", user, changes={"login": login, "reason": refused}, label=label
        )
        return
    action = "auth.mfa_failed" if credentials.get("factor") else "auth.login_failed"
    actions.sign_in_event(action, user, changes={"login": login}, label=label)
    address = getattr(request, "axes_ip_address", None)
    # django-axes (earlier in INSTALLED_APPS, so its receiver ran first) has counted this
    # failure: the one that takes the address to the spray threshold starts its lock.
    if address and lockout.accounts_failed_from(address) == settings.LOCKOUT_ADDRESS_ACCOUNTS:
        actions.sign_in_event(
            "auth.address_lockout",
            changes={"address": address, "accounts": settings.LOCKOUT_ADDRESS_ACCOUNTS},
            label=address,
        )


@receiver(user_locked_out)
def on_lockout(sender, request, username, ip_address, **kwargs):
    """django-axes also signals every refused attempt: only a new lock is a lockout."""
    if getattr(request, "kakunin_refused", None):
        return
    user = _account(username or "")
    label = user.audit_label if user else (username or ip_address or "")
    actions.sign_in_event(
        "auth.lockout", user, changes={"login": username, "address": ip_address}, label=label
    )


@receiver(authenticator_added)
def on_mfa_added(sender, request, user, authenticator, **kwargs):
    actions.sign_in_event(
        "mfa.enrolled", user, actor=user, changes={"type": [None, authenticator.type]}
    )


@receiver(authenticator_removed)
def on_mfa_removed(sender, request, user, authenticator, **kwargs):
    actions.sign_in_event(
        "mfa.removed",
        user,
        actor=request.user if request else user,
        changes={"type": [authenticator.type, None]},
    )
