from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kakunin.accounts import actions
from kakunin.audit.middleware import client_ip
from kakunin.crypto import keys
from kakunin.notifications import outbox


class AccountAdapter(DefaultAccountAdapter):
    # One message whether the ID or the password was wrong (login-error-message).
    error_messages = DefaultAccountAdapter.error_messages | {
        key: _("ユーザIDもしくはパスワードが違います。")
        for key in ("username_password_mismatch", "email_password_mismatch", "invalid_login")
    }

    def is_open_for_signup(self, request):
        # Administrators issue every account: one named person, one ID.
        return False

    def get_client_ip(self, request):
        """The one reading of the client's address (NUM_PROXIES, X-Forwarded-For) that the
        lockout and the audit trail use. allauth's own, with no trusted proxy, saw no
        address behind nginx on a unix socket and refused every password reset (403)."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every mail allauth sends (the password reset code): in Kakunin's words
        (templates/account/email/), in the person's language, through the outbox like
        every other mail. allauth's own greeted from the host name ("Hello from
        127.0.0.1:8311!")."""
        user = context.get("user")
        language = getattr(user, "language", "") or translation.get_language()
        ctx = {
            "site": settings.SITE_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
            "email": email,
            **context,
        }
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = render_to_string(f"{template_prefix}_subject.txt", ctx)
            body = render_to_string(f"{template_prefix}_message.txt", ctx)
        outbox.queue([email], subject, body)

    def get_password_change_redirect_url(self, request) -> str:
        """After a change, on to the first page (a ?next= given wins): allauth showed
        the change form again, and a person made to change their password stayed there."""
        return reverse("home")

    def set_password(self, user, password) -> None:
        """Every password change or reset goes through here (allauth's own hook)."""
        super().set_password(user, password)
        actions.password_changed(user=user)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery codes are stored encrypted (data-encryption)."""

    def encrypt(self, text: str) -> str:
        return keys.encrypt(text.encode(), "mfa.secret")

    def decrypt(self, encrypted_text: str) -> str:
        return keys.decrypt(encrypted_text, "mfa.secret").decode()

    def can_delete_authenticator(self, authenticator) -> bool:
        # A role that needs TOTP cannot switch it off; it can only be replaced.
        return not authenticator.user.needs_mfa
