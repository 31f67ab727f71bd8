"""Personal access tokens for the REST API: kept only as a SHA-256 digest (a token is
32 random bytes, so a fast hash suffices), shown once when issued."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX = "kkn_"
MAX_DAYS = 365


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


class TokenQuerySet(models.QuerySet):
    def live(self, now=None):
        """Not revoked and not past their expiry."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class Token(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # A token works in one municipality: the one its person worked in when issuing it.
    municipality = models.ForeignKey(
        "tenants.Municipality", null=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名前"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    # The first characters, so that a person can tell their tokens apart.
    hint = models.CharField(max_length=12)
    read_only = models.BooleanField(_("読み取りのみ"), default=True)
    # Issued in a session that passed TOTP: the roles that need TOTP on the web need it.
    with_totp = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("有効期限"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When the expiry was written to the audit trail (once).
    expiry_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def scope(self) -> str:
        return "read" if self.read_only else "read-write"

    def refusal(self, now=None) -> str:
        """Why this token cannot be used now ("" when it can)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if not self.user.is_active:
            return "user disabled"
        if self.municipality is not None and self.municipality.is_suspended:
            return "municipality suspended"
        if self.user.needs_mfa and not self.with_totp:
            return "needs a token issued after a TOTP login"
        return ""
