"""The yearly report (security-status-report): one per system in operation and fiscal year (年度),
generated from the system's records and inventory, and taken through the same
workflow as an assessment (kakunin/assessments/workflow.py)."""

import calendar
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kakunin.assessments.models import Verdict
from kakunin.assessments.workflow import WAITING_FOR_REVIEW, WAITING_FOR_VENDOR, Reviewed, State
from kakunin.systems.models import System
from kakunin.tenants import active
from kakunin.tenants.active import ScopedManager

# The sections of the report, in order: (key, the controls it reports on, title). The
# keys are the JSON export's top-level keys. Which items of a system's form a section
# answers follows from the controls those items ask about (numbered_sections).
SECTIONS = [
    ("software", ("software-inventory", "eol-management"), _("ソフトウェアとバージョン")),
    ("vulnerabilities", ("vulnerability-information",), _("脆弱性情報と対応")),
    ("admin_account_reviews", ("admin-account-review",), _("管理者アカウントの点検")),
    ("log_reviews", ("log-review", "auth-log-monitoring"), _("ログの点検")),
    ("vulnerability_assessments", ("vulnerability-assessment",), _("脆弱性診断と是正")),
    (
        "backups",
        ("backup-frequency", "restore-test", "offsite-backup"),
        _("バックアップと復元テスト"),
    ),
    ("cloud_services", ("data-location", "ismap-registration"), _("クラウドサービスとISMAP")),
    ("certifications", ("certifications",), _("認証・認定")),
    ("disposals", ("data-erasure", "disposal-certificate"), _("機器・媒体の廃棄")),
]
SECTION_KEYS = [key for key, _controls, _title in SECTIONS]


def numbered(numbers: str, title) -> str:
    """ "No.<numbers> <title>"; the title alone where the form has no item."""
    return f"No.{numbers} {title}" if numbers else str(title)


def numbered_sections(system) -> list[tuple[str, str, str]]:
    """(key, the numbers of the items of the system's form it answers, title): the
    sections as that form numbers them ("68–69")."""
    form = system.form
    return [
        (key, form.numbers_of(controls) if form else "", str(title))
        for key, controls, title in SECTIONS
    ]


class AnnualReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(system__in=System.objects.visible_to(user))

    def waiting_for_vendor(self):
        return self.filter(state__in=WAITING_FOR_VENDOR)

    def waiting_for_review(self):
        return self.filter(state__in=WAITING_FOR_REVIEW)


class AnnualReport(Reviewed):
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="annual_reports")
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    # What was submitted, frozen: the ward reviews and approves this, not what the
    # records say later. Empty while the vendor prepares it (it is generated live).
    content = models.JSONField(null=True, blank=True)

    audit_name = "annual"
    MUNICIPALITY_PATH = "system__municipality"
    objects = ScopedManager.from_queryset(AnnualReportQuerySet)()

    class Meta:
        ordering = ["system", "-fiscal_year"]
        verbose_name = _("年次報告")
        constraints = [
            models.UniqueConstraint(fields=["system", "fiscal_year"], name="annual_report_once"),
            models.CheckConstraint(condition=Q(state__in=State.values), name="annual_report_state"),
        ]

    def __str__(self) -> str:
        return str(
            _("%(system)s / %(year)s年度 年次報告")
            % {"system": self.system.name, "year": self.fiscal_year}
        )

    def get_absolute_url(self) -> str:
        return reverse("reports:annual", args=[self.system_id, self.fiscal_year])


class SectionReview(models.Model):
    """The ward's verdict on one section of a report, with its comment."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="reviews")
    section = models.CharField(max_length=32)
    verdict = models.CharField(_("審査結果"), max_length=16, choices=Verdict.choices)
    comment = models.TextField(_("コメント"), max_length=4000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now=True)

    MUNICIPALITY_PATH = "report__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["report", "section"]
        constraints = [
            models.UniqueConstraint(fields=["report", "section"], name="section_review_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.section}: {self.verdict}"


class ReportComment(models.Model):
    """A comment on a section of a report, by anyone who works on it."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(max_length=32)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("コメント"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    MUNICIPALITY_PATH = "report__system__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["report", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} {self.section}: {self.body[:40]}"


class Schedule(models.Model):
    """When the yearly reports are due: a month after the fiscal year ends. Each
    municipality's security reviewers set their own (Municipality.report_due_month);
    this one row is the service's, for a municipality that set none."""

    due_month = models.PositiveSmallIntegerField(
        _("提出期限の月"), default=5, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(due_month__gte=1, due_month__lte=12), name="schedule_month"
            ),
        ]

    def __str__(self) -> str:
        return f"due month {self.due_month}"

    @classmethod
    def current(cls) -> "Schedule":
        """The schedule of the municipality worked in, else the service's."""
        municipality = active.current()
        if municipality is not None and municipality.report_due_month:
            return cls(due_month=municipality.report_due_month)
        return cls.objects.first() or cls(due_month=5)

    def due_date(self, fiscal_year: int) -> datetime.date:
        """The last day of the due month, in the first such month after the year ends
        (fiscal 2025 ends 2026-03-31: month 5 → 2026-05-31, month 3 → 2027-03-31)."""
        year = fiscal_year + 1 if self.due_month >= 4 else fiscal_year + 2
        return datetime.date(year, self.due_month, calendar.monthrange(year, self.due_month)[1])


class PdfJob(models.Model):
    """A PDF made by the job worker, never inside a request a timeout can kill (issue
    23.15): an approved assessment's (for the 決裁) or a yearly report's. Its requester
    follows it on a page and downloads it; it is kept PDF_KEEP_HOURS."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("PDF job", "順番待ち")
        RUNNING = "running", pgettext_lazy("PDF job", "作成中")
        DONE = "done", pgettext_lazy("PDF job", "完成")
        FAILED = "failed", pgettext_lazy("PDF job", "失敗")

    assessment = models.ForeignKey(
        "assessments.Assessment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    report = models.ForeignKey(
        AnnualReport, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The requester's language when asked: the worker prints in it.
    language = models.CharField(max_length=8)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    data = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(assessment__isnull=False, report__isnull=True)
                | Q(assessment__isnull=True, report__isnull=False),
                name="pdfjob_one_document",
            )
        ]
        indexes = [models.Index(fields=["requested_by", "created_at"])]

    def __str__(self) -> str:
        return f"PDF {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("reports:pdf_job", args=[self.pk])

    @property
    def unfinished(self) -> bool:
        return self.state in (self.State.PENDING, self.State.RUNNING)

    @property
    def stalled(self) -> bool:
        """Unfinished for longer than any PDF takes: the worker stopped or is not running."""
        limit = datetime.timedelta(minutes=settings.PDF_STALL_MINUTES)
        return self.unfinished and timezone.now() - self.created_at > limit
