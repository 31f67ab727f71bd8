from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kakunin.core.text import Text
from kakunin.core.times import local
from kakunin.tenants.models import Municipality


class AlertQuerySet(models.QuerySet):
    def seen_in(self, municipality):
        """The alerts of one municipality; with none, the service's. A service of one
        municipality shows it the service's too (nobody else would see them)."""
        if municipality is None:
            return self.filter(municipality=None)
        alone = not Municipality.objects.exclude(pk=municipality.pk).exists()
        mine = models.Q(municipality=municipality)
        return self.filter(mine | models.Q(municipality=None) if alone else mine)


class Alert(models.Model):
    """Something in the authentication log that a security reviewer must look at (auth-log-monitoring)."""

    class Kind(models.TextChoices):
        FAILURE_SPIKE = "failure_spike", _("ログイン失敗の急増")
        PASSWORD_SPRAY = "password_spray", _("1つの接続元から多数のアカウントへの試行")
        LOCKOUT = "lockout", _("アカウントロック")
        ADDRESS_LOCKOUT = "address_lockout", _("接続元のログイン制限")
        ADMIN_NEW_ADDRESS = "admin_new_address", _("管理者の新しい接続元からのログイン")
        BACKUP_FAILED = "backup_failed", _("バックアップ・復元確認の失敗")
        DIRECTORY_DOWN = "directory_down", _("ディレクトリでサインインできない")
        BREAK_GLASS = "break_glass", _("緊急用の管理者のサインイン")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict)
    # The event that triggered it: the same event never raises the same alert twice.
    key = models.CharField(max_length=200, unique=True)
    # What it is about (an account, an address, "spike"): later events of a group still
    # going on add to its count instead of raising another alert.
    group = models.CharField(max_length=200, db_index=True, default="")
    count = models.PositiveIntegerField(_("件数"), default=1)
    last_seq = models.PositiveBigIntegerField(default=0)  # the newest event counted
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The municipality whose people its events are about; none: the service's (a
    # vendor's or an unknown account, a backup), for the operator.
    municipality = models.ForeignKey(
        "tenants.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"

    @property
    def text(self) -> str:
        """The message in the reader's language (`message` keeps the Japanese)."""
        if "text" in self.details:
            return str(Text.from_json(self.details["text"]))
        return self.message


class Heartbeat(models.Model):
    """When a periodic job last ran, and how it went (for /healthz): the worker's
    heartbeat, the nightly scans, the backup and its verification."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()
    ok = models.BooleanField(default=True)
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {local(self.at)}"

    @property
    def error(self) -> Text | None:
        """Why the job failed, in the reader's language where it was kept as words."""
        if "error_text" in self.detail:
            return Text.from_json(self.detail["error_text"])
        return Text.of(self.detail["error"]) if self.detail.get("error") else None
