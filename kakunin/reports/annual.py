"""The content of a yearly report (security-status-report), generated from the records.

`build(system, year)` returns the report as JSON-ready data; the page, the PDF, the
Excel file and the JSON export all render this one structure. A submitted report
keeps what was submitted (AnnualReport.content), so that the ward approves what it
read. Its top-level keys: `system`, `fiscal_year` and one per section (SECTIONS).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.core.text import Text
from kakunin.inventory import eol
from kakunin.inventory.models import Finding, Response
from kakunin.records import ismap
from kakunin.records.kinds import record_problems
from kakunin.records.models import Kind, Record, RecordComment, fiscal_year_bounds, fiscal_year_of
from kakunin.reports.models import SECTION_KEYS, AnnualReport, Schedule

# Which record kind fills which section.
SECTION_KINDS = {
    "admin_account_reviews": Kind.ADMIN_REVIEW,
    "log_reviews": Kind.LOG_REVIEW,
    "vulnerability_assessments": Kind.VULN_ASSESSMENT,
    "backups": Kind.BACKUP,
    "cloud_services": Kind.CLOUD,
    "certifications": Kind.CERTIFICATION,
    "disposals": Kind.DISPOSAL,
}
EARLIEST_YEAR = 2000


class YearRefused(ValueError):
    pass


def check_year(year: int, today: datetime.date | None = None) -> int:
    """A fiscal year a report can be made for: from 2000 to this fiscal year."""
    this_year = fiscal_year_of(today or timezone.localdate())
    if not EARLIEST_YEAR <= year <= this_year:
        raise YearRefused(year)
    return year


def reporting_year(today: datetime.date | None = None) -> int:
    """The fiscal year whose report is asked for now: the last one that has ended."""
    return fiscal_year_of(today or timezone.localdate()) - 1


def owes_report(start: datetime.date | None, year: int) -> bool:
    """A system owes the report of a fiscal year once it was in operation during it
    (System.operation_start: going live, or the first approval)."""
    return start is not None and start <= fiscal_year_bounds(year)[1]


class NotOwed(ValueError):
    """The system was not in operation in that year; the message says since when."""


def check_owed(system, year: int) -> None:
    start = system.operation_start
    if owes_report(start, year):
        return
    if start is None:
        raise NotOwed(_("このシステムはまだ運用開始前のため、年次報告の対象ではありません。"))
    raise NotOwed(
        _(
            "%(year)s年度はこのシステムの運用開始（%(day)s）より前のため、年次報告の対象ではありません。最初の報告は%(first)s年度分です。"
        )
        % {"year": year, "day": start.isoformat(), "first": fiscal_year_of(start)}
    )


def content_of(report: AnnualReport) -> dict:
    """What the report says: as submitted once submitted, else as the records say now."""
    if report.content and report.state not in ("draft", "returned"):
        return report.content
    return build(report.system, report.fiscal_year)


def build(system, year: int) -> dict:
    start, end = fiscal_year_bounds(year)
    records = list(
        Record.objects.of_year(year)
        .filter(system=system)
        .select_related("entered_by", "scan")
        .prefetch_related(
            "files__evidence",
            Prefetch("comments", RecordComment.objects.select_related("author")),
        )
        .order_by("date", "pk")
    )
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
    clouds = ismap.check(by_kind[Kind.CLOUD])
    today = timezone.localdate()
    out: dict = {
        "system": {
            "id": system.pk,
            "name": system.name,
            "department": system.department.name,
            "vendors": [v.name for v in system.vendors.all()],
        },
        "fiscal_year": year,
        "software": _software(system),
        "vulnerabilities": _vulnerabilities(system, start, end),
    }
    for section, kind in SECTION_KINDS.items():
        out[section] = [_record(r, clouds.get(r.pk, []), start, end, today) for r in by_kind[kind]]
    assert list(out)[2:] == SECTION_KEYS
    return out


def meta(year: int) -> dict:
    """The report's period and due date, for the page and the exports' headers."""
    start, end = fiscal_year_bounds(year)
    return {"start": start, "end": end, "due": Schedule.current().due_date(year)}


def _software(system) -> list[dict]:
    components = list(system.components.all())
    states = eol.statuses(components)
    out = []
    for c in components:
        ends = states[c.pk].ends
        out.append(
            {
                "kind": c.kind,  # codes: each reader sees their words (exports.WORDS)
                "maker": c.maker,
                "product": c.product,
                "version": c.version,
                "location": c.location,
                "latest_version": c.latest_version,
                "is_latest": not c.latest_version or c.latest_version == c.version,
                "not_latest_reason": c.not_latest_reason,
                "planned_update": c.planned_update.isoformat() if c.planned_update else None,
                "support": states[c.pk].state,
                "support_ends": ends.isoformat() if ends else None,
            }
        )
    return out


def _vulnerabilities(system, start: datetime.date, end: datetime.date) -> list[dict]:
    """Findings open at some time in the year: open now, or closed after it began."""
    findings = (
        Finding.objects.filter(component__system=system, first_seen__date__lte=end)
        .exclude(closed_at__date__lt=start)
        .select_related("vulnerability", "component")
        .prefetch_related(Prefetch("responses", Response.objects.select_related("by", "evidence")))
        .order_by("vulnerability__ident")
    )
    out = []
    for f in findings:
        latest = f.response
        out.append(
            {
                "ident": f.vulnerability.ident,
                "title": f.vulnerability.title,
                "severity": f.vulnerability.severity,
                # A JSON number, as NVD gives it (the model keeps a Decimal).
                "cvss": _number(f.vulnerability.cvss_score),
                "component": f"{f.component.product} {f.component.version}",
                "first_seen": f.first_seen.date().isoformat(),
                "closed": f.closed_at.date().isoformat() if f.closed_at else None,
                "response": latest.kind if latest else None,
                "response_date": latest.date.isoformat() if latest and latest.date else None,
                "response_note": (latest.reason or latest.fixed_version) if latest else "",
                "response_file": _file(latest.evidence) if latest and latest.evidence else None,
            }
        )
    return out


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _file(evidence) -> dict:
    return {"name": evidence.filename, "sha256": evidence.sha256, "size": evidence.size}


def _record(record: Record, problems: list[Text], start, end, today) -> dict:
    data = dict(record.data)
    flags = [*problems, *record_problems(record, today)]
    if record.kind == Kind.BACKUP:
        # Only the restore tests of the year belong to its report.
        data["restore_tests"] = [
            t
            for t in data.get("restore_tests", [])
            if start.isoformat() <= t["day"] <= end.isoformat()
        ]
    return {
        "id": record.pk,
        "date": record.date.isoformat(),
        "until": record.until.isoformat() if record.until else None,
        "entered_by": record.entered_by.full_name or record.entered_by.username,
        "data": data,
        "scan": {
            "id": record.scan.pk,
            "finished": record.scan.finished_at.date().isoformat()
            if record.scan.finished_at
            else None,
        }
        if record.scan
        else None,
        "files": [{**_file(f.evidence), "label": f.label} for f in record.files.all()],
        "comments": [
            {
                "by": c.author.full_name or c.author.username,
                "at": c.created_at.isoformat(),
                "body": c.body,
            }
            for c in record.comments.all()
        ],
        "problems": [flag.as_json() for flag in flags],
    }
