from django.db import transaction
from django.utils.translation import gettext as _

from kakunin.assessments import workflow
from kakunin.assessments.models import Verdict
from kakunin.assessments.workflow import TransitionRefused
from kakunin.audit.trail import record
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind
from kakunin.reports import annual, exports
from kakunin.reports.models import (
    AnnualReport,
    PdfJob,
    ReportComment,
    Schedule,
    SectionReview,
    numbered_sections,
)
from kakunin.tenants import active
from kakunin.tenants.models import Municipality

# --- the yearly report (security-status-report) ------------------------------------


def _people(report: AnnualReport) -> list:
    return [*report.system.vendor_members(), *report.system.department_staff()]


def _context(actor, report: AnnualReport, **extra) -> dict:
    return {
        "actor": actor.full_name,
        "assessment": report,
        "url": report.get_absolute_url(),
        **extra,
    }


def start_report(*, actor, system, fiscal_year: int) -> AnnualReport:
    """The report of a system's fiscal year, as a draft (the one there is, if any).
    Raises annual.NotOwed for a year before the system went into operation."""
    annual.check_year(fiscal_year)
    if not AnnualReport.objects.filter(system=system, fiscal_year=fiscal_year).exists():
        annual.check_owed(system, fiscal_year)
    with transaction.atomic():
        report, made = AnnualReport.objects.get_or_create(
            system=system, fiscal_year=fiscal_year, defaults={"created_by": actor}
        )
        if made:
            record(
                "annual.start", report, actor=actor, changes={"fiscal_year": [None, fiscal_year]}
            )
    return report


def submit_report(*, actor, report: AnnualReport) -> AnnualReport:
    """下書き or 差戻し → 提出済 / 再提出: the content is generated now and frozen."""
    with workflow.step(report, "submit", related=("system",)) as current:
        current.content = annual.build(current.system, current.fiscal_year)
        workflow.advance(current, "submit", actor=actor, also=["content"])
    return current


def start_report_review(*, actor, report: AnnualReport) -> AnnualReport:
    with workflow.step(report, "start_review", related=("system",)) as current:
        workflow.advance(current, "start_review", actor=actor)
    return current


def judge_section(
    *, actor, report: AnnualReport, section: str, verdict: str, comment: str
) -> SectionReview:
    """The ward's verdict on a section, while the report is 審査中."""
    with workflow.step(report, "judge", related=("system",)) as current:
        review = SectionReview.objects.filter(report=current, section=section).first()
        before = [review.verdict, review.comment] if review else [None, None]
        review = review or SectionReview(report=current, section=section)
        review.verdict, review.comment, review.by = verdict, comment, actor
        review.save()
        record(
            "annual.verdict",
            current,
            actor=actor,
            changes={
                "section": [None, section],
                "verdict": [before[0], verdict],
                "comment": [before[1], comment],
            },
        )
    return review


def return_report(*, actor, report: AnnualReport, note: str) -> AnnualReport:
    """審査中 → 差戻し, with what to fix: the sections not 適合 and a cover note."""
    with workflow.step(report, "return", related=("system",)) as current:
        flagged = _sections_not_ok(current, judged_only=True)
        if not flagged and not note:
            raise TransitionRefused(
                _("差し戻す理由（「要修正」「要確認」の節か、連絡事項）を入れてください。")
            )
        current.return_note = note
        workflow.advance(
            current,
            "return",
            actor=actor,
            also=["return_note"],
            changes={"note": [None, note]},
            items=", ".join(flagged) or "—",
            note=note,
        )
    return current


def approve_report(*, actor, report: AnnualReport) -> AnnualReport:
    """審査中 → 承認, when every section is 適合."""
    with workflow.step(report, "approve", related=("system",)) as current:
        not_ok = _sections_not_ok(current)
        if not_ok:
            raise TransitionRefused(_("「適合」でない節があるため承認できません。"), not_ok)
        workflow.advance(current, "approve", actor=actor)
    return current


def comment_section(*, actor, report: AnnualReport, section: str, body: str) -> ReportComment:
    with transaction.atomic():
        made = ReportComment.objects.create(report=report, section=section, author=actor, body=body)
        record(
            "annual.comment",
            report,
            actor=actor,
            changes={"section": [None, section], "comment": [None, body]},
        )
    people = (
        _people(report)
        if actor.is_ward_staff
        else [*report.system.reviewers(), *report.system.department_staff()]
    )
    items = {key: items for key, items, _title in numbered_sections(report.system)}[section]
    notify(
        [p for p in people if p.pk != actor.pk],
        Kind.COMMENT,
        _context(actor, report, number=items, body=body),
        url=f"{report.get_absolute_url()}#{section}",
    )
    return made


def set_schedule(*, actor, due_month: int) -> Schedule:
    """The month the yearly reports are due: the municipality's worked in (the
    service's own row, outside any)."""
    municipality = active.current()
    if municipality is not None:
        with transaction.atomic():
            own = Municipality.objects.select_for_update().get(pk=municipality.pk)
            was = own.report_due_month or Schedule.current().due_month
            own.report_due_month = municipality.report_due_month = due_month
            own.save(update_fields=["report_due_month"])
            record("annual.schedule", own, actor=actor, changes={"due_month": [was, due_month]})
        return Schedule.current()
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().first() or Schedule()
        before = schedule.due_month if schedule.pk else None
        schedule.due_month = due_month
        schedule.save()
        record("annual.schedule", schedule, actor=actor, changes={"due_month": [before, due_month]})
    return schedule


def export(*, actor, report: AnnualReport, fmt: str) -> bytes:
    """The report as PDF, Excel or JSON (audited: who took a copy of what)."""
    data = exports.render(report, fmt)
    with transaction.atomic():
        record(
            "annual.export",
            report,
            actor=actor,
            changes={"format": [None, fmt], "bytes": [None, len(data)]},
        )
    return data


def _sections_not_ok(report: AnnualReport, judged_only: bool = False) -> list[str]:
    """The sections not judged 適合 ("68–69 管理者アカウントの点検"); with `judged_only`,
    only those judged 要修正 or 要確認."""
    verdicts = dict(report.reviews.values_list("section", "verdict"))
    return [
        f"{items} {title}".strip()
        for key, items, title in numbered_sections(report.system)
        if verdicts.get(key) != Verdict.OK and (key in verdicts or not judged_only)
    ]


@transaction.atomic
def pdf_downloaded(*, actor, job: PdfJob) -> bytes:
    """The finished PDF, its copy audited as each download of a document is."""
    if job.assessment_id:
        record("report.pdf", job.assessment, actor=actor, changes={"bytes": [None, job.size]})
    else:
        record(
            "annual.export",
            job.report,
            actor=actor,
            changes={"format": [None, "pdf"], "bytes": [None, job.size]},
        )
    return bytes(job.data or b"")
