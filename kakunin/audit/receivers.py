"""Authentication events come from Django's auth signals: the only way to see them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kakunin.audit.trail import record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record("auth.login", user, actor=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record("auth.logout", user, actor=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The typed identifier is kept (trimmed), never the password.
    login = str(credentials.get("username") or credentials.get("email") or "")[:150]
    User = get_user_model()
    user = User.objects.filter(username__iexact=login).first() if login else None
    if user is None and login:
        user = User.objects.filter(email__iexact=login).first()
    record(
        "auth.login_failed",
        user,
        changes={"login": login},
        label=user.audit_label if user else login,
    )
