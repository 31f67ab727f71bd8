"""The records of a system's operating years (backups, cloud services, reviews of
administrator accounts and logs, certifications, assessments, disposals):
each admin-account review, log review, vulnerability assessment, backup set-up with
its restore tests, cloud service, certificate and disposal, with its date, who
entered it, its evidence files and its history. The yearly report (security-status-report,
kakunin.reports) is generated from them."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kakunin.evidence.models import Evidence
from kakunin.scans.models import Scan
from kakunin.systems.models import System
from kakunin.tenants.active import ScopedManager


class Kind(models.TextChoices):
    ADMIN_REVIEW = "admin_review", _("管理者アカウントの点検")
    LOG_REVIEW = "log_review", _("ログの点検")
    VULN_ASSESSMENT = "vuln_assessment", _("脆弱性診断")
    BACKUP = "backup", _("バックアップと復元テスト")
    CLOUD = "cloud", _("クラウドサービス")
    CERTIFICATION = "certification", _("認証・認定")
    DISPOSAL = "disposal", _("機器・媒体の廃棄")


# The controls each kind is the record of: a system's form numbers them its own way
# (numbers_for).
CONTROLS = {
    Kind.ADMIN_REVIEW: ("admin-account-review",),
    Kind.LOG_REVIEW: ("log-review", "auth-log-monitoring"),
    Kind.VULN_ASSESSMENT: ("vulnerability-assessment",),
    Kind.BACKUP: ("backup-frequency", "restore-test", "offsite-backup"),
    Kind.CLOUD: ("data-location", "ismap-registration"),
    Kind.CERTIFICATION: ("certifications",),
    Kind.DISPOSAL: ("data-erasure", "disposal-certificate"),
}


def numbers_for(system, kind: str) -> str:
    """The numbers of the items of the system's form a kind of record answers:
    "68–69"; "" where the form has none."""
    form = system.form
    return form.numbers_of(CONTROLS[Kind(kind)]) if form is not None else ""


# Kinds that describe what stands (a service in use, a certificate held, a backup
# set-up) rather than something done on a day: they count in every year they stand.
STANDING = (Kind.BACKUP, Kind.CLOUD, Kind.CERTIFICATION)


def fiscal_year_of(day: datetime.date) -> int:
    """年度: April to March; 2026-03-31 belongs to 2025."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


class RecordQuerySet(models.QuerySet):
    def current(self):
        return self.filter(withdrawn_at__isnull=True)

    def of_year(self, year: int):
        """What the report of fiscal year `year` speaks of: the events dated in it, and
        the standing records that stood during it (dated before its end, not expired
        before its start)."""
        start, end = fiscal_year_bounds(year)
        events = ~Q(kind__in=STANDING) & Q(date__gte=start, date__lte=end)
        standing = (
            Q(kind__in=STANDING) & Q(date__lte=end) & (Q(until__isnull=True) | Q(until__gte=start))
        )
        return self.current().filter(events | standing)


class Record(models.Model):
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    # The day it speaks of: the review, the assessment, the disposal; for a standing
    # record, the day it was last confirmed.
    date = models.DateField(_("日付"))
    # The next review is due (admin accounts), or the certificate is valid until.
    until = models.DateField(null=True, blank=True)
    # The kind's own fields, as its form (records/kinds.py) validated them.
    data = models.JSONField(default=dict)
    # A vulnerability assessment may rest on one of Kakunin's own scans of the system.
    scan = models.ForeignKey(
        Scan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # A record is never deleted: a wrong or ended one is withdrawn, with the reason.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.CharField(_("取下げの理由"), max_length=500, blank=True)

    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager.from_queryset(RecordQuerySet)()

    class Meta:
        ordering = ["system", "kind", "-date", "-pk"]
        verbose_name = _("運用記録")
        indexes = [
            # What stands (not withdrawn), by system and kind, newest last: the dashboard's
            # latest review per system reads this index alone.
            models.Index(
                fields=["system", "kind", "date"],
                condition=Q(withdrawn_at__isnull=True),
                name="record_current",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="record_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"

    @property
    def items(self) -> str:
        return numbers_for(self.system, self.kind)

    def snapshot(self) -> dict:
        """What a version keeps, and what an audit event records as before/after."""
        return {
            "date": self.date.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "data": self.data,
            "scan": self.scan_id,
        }


class RecordVersion(models.Model):
    """Each state a record has had: the history a reviewer reads."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.JSONField()  # Record.snapshot()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    MUNICIPALITY_PATH = "record__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["record", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="record_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.record} v{self.version}"


class RecordFile(models.Model):
    """An evidence file of a record (encrypted and malware-scanned like an answer's)."""

    class Label(models.TextChoices):
        CERTIFICATE = "certificate", _("証明書・報告書")
        BEFORE = "before", _("写真（実施前）")
        AFTER = "after", _("写真（実施後）")
        OTHER = "other", _("その他")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="files")
    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("区分"), max_length=16, choices=Label.choices)

    MUNICIPALITY_PATH = "record__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["record", "label", "pk"]

    def __str__(self) -> str:
        return f"{self.record}: {self.evidence}"


class RecordComment(models.Model):
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("コメント"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    MUNICIPALITY_PATH = "record__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["record", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.record}: {self.body[:40]}"


class IsmapService(models.Model):
    """A cloud service on the ISMAP (or ISMAP-LIU) cloud service list, as the ward last
    imported it. A service missing from a later list is kept, marked removed."""

    class Listing(models.TextChoices):
        ISMAP = "ismap", "ISMAP"
        LIU = "liu", "ISMAP-LIU"

    number = models.CharField(_("登録番号"), max_length=20, unique=True)
    listing = models.CharField(max_length=8, choices=Listing.choices)
    name = models.CharField(_("クラウドサービスの名称"), max_length=300)
    provider = models.CharField(_("クラウドサービス事業者"), max_length=300, blank=True)
    registered_on = models.DateField(_("登録日"), null=True, blank=True)
    expires_on = models.DateField(_("有効期限"), null=True, blank=True)
    removed_on = models.DateField(_("リストから外れた日"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("ISMAP登録サービス")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class IsmapImport(models.Model):
    """One import of the list: when, by whom, from which file, what changed."""

    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)  # listed, new, changed, removed
    # None: imported with `manage.py import_ismap`.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.at:%Y-%m-%d})"
