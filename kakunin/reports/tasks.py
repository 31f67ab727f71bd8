"""Daily: the yearly report's deadline, before and after, as for assessments. And the
PDFs, made here rather than in a request (printing.py)."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind
from kakunin.reports import annual, printing
from kakunin.reports.models import AnnualReport, Schedule
from kakunin.reports.status import ReportStatus, statuses
from kakunin.systems.models import System
from kakunin.tenants.active import for_each_municipality, service_job


def remind_reports(today: datetime.date | None = None) -> int:
    """The vendor and the department of each system in operation whose report of the
    reporting year is not handed in: told REMINDER_DAYS_BEFORE_DUE days before the
    due date, and once it has passed (with the reviewers). Each reminder goes once."""
    today = today or timezone.localdate()
    year = annual.reporting_year(today)
    due = Schedule.current().due_date(year)
    if today <= due and today != due - datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE_DUE):
        return 0
    systems = list(System.objects.in_operation(today).prefetch_related("vendors"))
    reports = {
        r.system_id: r for r in AnnualReport.objects.filter(system__in=systems, fiscal_year=year)
    }
    sent = 0
    for system, status in zip(systems, statuses(systems, year, today).values(), strict=True):
        if status in (ReportStatus.NOT_DUE, ReportStatus.SUBMITTED, ReportStatus.APPROVED):
            continue
        late = status == ReportStatus.OVERDUE
        people = [*system.vendor_members(), *system.department_staff()]
        if late:
            people += list(system.reviewers())
        url = reverse("reports:annual", args=[system.pk, year])
        # The report (or the one to be made) names itself in each reader's language.
        report = reports.get(system.pk) or AnnualReport(system=system, fiscal_year=year)
        kind, key = (Kind.OVERDUE, "annual-overdue") if late else (Kind.DUE_SOON, "annual-due")
        ctx = {"assessment": report, "due": due.isoformat(), "url": url}
        sent += len(notify(people, kind, ctx, url=url, key=f"{key}:{system.pk}:{year}:{due}"))
    return sent


@db_periodic_task(crontab(hour="8", minute="10"))
@for_each_municipality
def daily_report_reminders():
    remind_reports()


@db_periodic_task(crontab(minute="23"))
@service_job
def forget_old_pdfs() -> None:
    printing.forget_old()
