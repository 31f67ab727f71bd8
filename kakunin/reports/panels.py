"""The records and the yearly report of a system, on the system's page (registered in
apps.py)."""

from kakunin.records.status import overview
from kakunin.reports import annual
from kakunin.reports.models import Schedule
from kakunin.reports.status import ReportStatus, statuses


def system_panel(request, system, *, can_edit: bool):
    year = annual.reporting_year()
    status = statuses([system], year)[system.pk]
    ctx = {
        "system": system,
        "overview": overview([system])[system.pk],
        "year": year,
        "due": Schedule.current().due_date(year),
        "status": status,
        "status_label": ReportStatus(status).label,
    }
    return "reports/_system_panel.html", ctx
