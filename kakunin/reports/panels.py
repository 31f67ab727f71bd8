"""The records and the yearly report of a system, on the system's page (registered in
apps.py)."""

from django.utils import timezone

from kakunin.records.models import fiscal_year_of
from kakunin.records.status import overview
from kakunin.reports import annual
from kakunin.reports.models import Schedule
from kakunin.reports.status import ReportStatus, statuses


def system_panel(request, system, *, can_edit: bool):
    today = timezone.localdate()
    start = system.operation_start
    year = annual.reporting_year(today)
    first = start is not None and not annual.owes_report(start, year)
    if first:
        year = fiscal_year_of(start)  # the first report it will owe, once that year ends
    status = statuses([system], year, today)[system.pk]
    ctx = {
        "system": system,
        "operating": start is not None and start <= today,
        "start": start,
        "overview": overview([system])[system.pk],
        "year": year,
        "first": first,
        "due": Schedule.current().due_date(year),
        "status": status,
        "status_label": ReportStatus(status).label,
    }
    return "reports/_system_panel.html", ctx
