"""What the scanner may check for a system, who authorised the active checks,
and what each scan found, item by item."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakunin.core.times import local
from kakunin.crypto.fields import EncryptedTextField
from kakunin.scans.engine import Permission, Target
from kakunin.scans.policy import Outcome, Text
from kakunin.scans.safety import origin
from kakunin.systems.models import System
from kakunin.tenants.active import ScopedManager


class ScanTarget(models.Model):
    """A URL of the system the scanner may contact, with what the vendor declared about it."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="scan_targets")
    url = models.URLField(_("URL"), max_length=500)
    declared_ports = models.JSONField(_("公開するポート（申告）"), default=list, blank=True)
    extra_hosts = models.JSONField(_("転送先として許可するホスト"), default=list, blank=True)
    http_port = models.PositiveIntegerField(_("HTTP のポート"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["system", "url"]
        verbose_name = _("検査対象")
        constraints = [
            models.UniqueConstraint(fields=["system", "url"], name="scan_target_unique_url")
        ]

    def __str__(self) -> str:
        return self.url

    def engine_target(self):
        return Target(
            self.url,
            ports=[int(p) for p in self.declared_ports],
            extra_hosts=list(self.extra_hosts),
            http_port=self.http_port,
        )


class Authorisation(models.Model):
    """Consent for the active checks (45, 43, 50): who gave it, for which targets,
    when, and the test account to use. Without one, active checks do not run."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="scan_authorisations")
    authorised_by = models.CharField(_("許可した者（所属・氏名）"), max_length=200)
    reference = models.CharField(_("根拠（文書番号・メール等）"), max_length=200, blank=True)
    targets = models.ManyToManyField(
        ScanTarget, verbose_name=_("対象"), related_name="authorisations"
    )
    valid_from = models.DateTimeField(_("開始日時"))
    valid_until = models.DateTimeField(_("終了日時"))
    login_url = models.URLField(_("ログイン画面の URL"), max_length=500)
    logout_url = models.URLField(_("ログアウトの URL"), max_length=500, blank=True)
    username = models.CharField(_("検査用アカウントの ID"), max_length=150)
    password = EncryptedTextField(_("検査用アカウントのパスワード"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("能動的な検査の許可")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")),
                name="scan_authorisation_window",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.authorised_by}（{local(self.valid_from)}〜{local(self.valid_until)}）"

    def is_valid(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.valid_from <= at < self.valid_until

    def allows(self, url: str, at=None) -> bool:
        """Whether the active checks may run against `url` now."""
        if not self.is_valid(at):
            return False
        return origin(url) in {origin(t.url) for t in self.targets.all()}

    def permission(self):
        """What the active checks get (engine.Permission): no database access in their threads."""
        return Permission(
            {origin(t.url) for t in self.targets.all()} if self.is_valid() else set(),
            self.valid_until,
            self.login_url,
            self.username,
            self.password,
            self.logout_url,
        )

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("終了日時は開始日時より後にしてください。")})


class Scan(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("実行中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="scans")
    state = models.CharField(_("状態"), max_length=16, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # none: a scheduled re-scan
    authorisation = models.ForeignKey(
        Authorisation, null=True, blank=True, on_delete=models.PROTECT, related_name="scans"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(
        default=dict, blank=True
    )  # the reports as `manage.py scan --json` prints them
    error = models.TextField(blank=True)

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("自動確認")
        indexes = [
            models.Index(fields=["system", "state", "-finished_at"], name="scan_system_latest")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="scan_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.system.name} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("scans:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def is_active(self) -> bool:
        return self.authorisation_id is not None


class ScanResult(models.Model):
    """One control's verdict on one target in one scan, with the findings behind it.
    Every item of a form that asks about the control shows it."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="results")
    target = models.ForeignKey(ScanTarget, null=True, on_delete=models.SET_NULL, related_name="+")
    url = models.CharField(max_length=500)  # kept when the target is removed
    control = models.SlugField(max_length=64)  # a key of the control vocabulary
    position = models.PositiveSmallIntegerField(default=0)  # the control's place in it
    verdict = models.CharField(max_length=16, choices=Outcome.choices)
    summary = models.TextField()
    findings = models.JSONField(default=list)  # [Finding.as_json()]

    MUNICIPALITY_PATH = "scan__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["scan", "position", "url"]
        indexes = [models.Index(fields=["control", "verdict"], name="scan_result_control")]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=Outcome.values), name="scan_result_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.url} {self.control} {self.get_verdict_display()}"

    @property
    def text(self) -> str:
        """The summary in the reader's language (the stored `summary` is Japanese)."""
        texts = [str(Text.from_json(f["message"])) for f in self.findings if "message" in f]
        return " / ".join(dict.fromkeys(texts)) if texts else self.summary
