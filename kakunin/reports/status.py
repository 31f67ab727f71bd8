"""Where each system in operation stands with its yearly report, for the ward's
dashboard and the reminders: in a few queries, whatever the number of systems."""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakunin.assessments.workflow import WAITING_FOR_REVIEW, State
from kakunin.inventory.details import vulnerability_counts
from kakunin.records.status import Overview, overview
from kakunin.reports import annual
from kakunin.reports.models import AnnualReport, Schedule
from kakunin.systems.models import System


class ReportStatus(models.TextChoices):
    # The system was not in operation during the year: no report is owed for it.
    NOT_DUE = "not_due", _("対象外（運用開始前）")
    NOT_STARTED = "not_started", _("未着手")
    DRAFT = "draft", _("作成中")
    SUBMITTED = "submitted", _("提出済・審査中")
    OVERDUE = "overdue", _("期限超過")
    APPROVED = "approved", _("承認済")


def status_of(report: AnnualReport | None, due: datetime.date, today: datetime.date) -> str:
    if report is not None and report.state == State.APPROVED:
        return ReportStatus.APPROVED
    if report is not None and report.state in WAITING_FOR_REVIEW:
        return ReportStatus.SUBMITTED
    if today > due:
        return ReportStatus.OVERDUE
    return ReportStatus.DRAFT if report is not None else ReportStatus.NOT_STARTED


def statuses(systems, year: int, today: datetime.date | None = None) -> dict[int, str]:
    """The status of each system's report of `year` (対象外 before it went into operation)."""
    today = today or timezone.localdate()
    due = Schedule.current().due_date(year)
    ids = [s.pk for s in systems]
    starts = System.objects.filter(pk__in=ids).operation_starts()
    reports = {
        r.system_id: r for r in AnnualReport.objects.filter(system__in=ids, fiscal_year=year)
    }
    return {
        pk: status_of(reports.get(pk), due, today)
        if annual.owes_report(starts[pk], year) or pk in reports
        else ReportStatus.NOT_DUE
        for pk in ids
    }


@dataclass
class OperationsRow:
    """One system in operation on the ward's dashboard."""

    system: System
    report: str  # ReportStatus
    records: Overview
    open_vulnerabilities: int  # unresolved
    awaiting_inventory: int = 0  # answered 対応済, the inventory not yet updated

    @property
    def needs_attention(self) -> bool:
        return (
            self.report in (ReportStatus.OVERDUE, ReportStatus.SUBMITTED)
            or self.records.admin_review_overdue
            or self.records.log_review_overdue
            or bool(self.records.certificates_expired or self.records.certificates_expiring)
            or bool(self.records.ismap_problems)
            or self.open_vulnerabilities > 0
            or self.awaiting_inventory > 0
        )


def operations(systems, today: datetime.date | None = None) -> tuple[int, list[OperationsRow]]:
    """(the reporting year, a row for each of these systems in operation), by name."""
    year = annual.reporting_year(today)
    operating = list(systems.in_operation(today).order_by("name", "pk"))
    reports = statuses(operating, year, today)
    records = overview(operating)
    vulnerabilities = vulnerability_counts(operating)
    return year, [
        OperationsRow(s, reports[s.pk], records[s.pk], *vulnerabilities.get(s.pk, (0, 0)))
        for s in operating
    ]
