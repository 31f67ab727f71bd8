from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kakunin import access
from kakunin.assessments import workflow
from kakunin.assessments.models import State, Verdict
from kakunin.assessments.workflow import TransitionRefused, tell_refused
from kakunin.audit.trail import record_view
from kakunin.records.models import fiscal_year_bounds
from kakunin.reports import actions, annual, exports, printing
from kakunin.reports.forms import ScheduleForm, SectionCommentForm, VerdictForm
from kakunin.reports.models import AnnualReport, PdfJob, Schedule
from kakunin.reviews.forms import ReturnForm

# --- PDFs, made by the job worker (printing.py) -------------------------------------


@require_POST
def assessment_pdf(request, pk: int):
    """An approved assessment's PDF for the 決裁, asked of the worker."""
    assessment = access.get_assessment_for_user(request, pk)
    access.require(assessment.state == State.APPROVED)
    return _print(request, assessment.get_absolute_url(), assessment=assessment)


@require_POST
def annual_pdf(request, pk: int, year: int):
    report = _report_of(request, pk, year)
    return _print(request, report.get_absolute_url(), report=report)


def _print(request, back: str, **document):
    try:
        job = printing.request_pdf(actor=request.user, language=get_language(), **document)
    except printing.PdfRefused as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return redirect(job)


def _own_pdf(request, pk: int) -> PdfJob:
    """One of the person's own PDFs, of a document they still may see (an assessment
    still approved): anyone else's, or one of a document gone from view, is a 404."""
    job = PdfJob.objects.select_related("report").filter(pk=pk, requested_by=request.user).first()
    if job is None:
        raise Http404
    if job.assessment_id:
        assessment = access.get_assessment_for_user(request, job.assessment_id)
        access.require_visible(assessment.state == State.APPROVED)
    else:
        # Another municipality's report is no row at all where PostgreSQL's row-level
        # security hides it (a join finds none), and of a system not theirs elsewhere.
        access.require_visible(job.report is not None)
        access.get_system_for_user(request, _document(job).system_id)
    return job


def _document(job: PdfJob):
    """The job's assessment or yearly report (one or the other: a constraint)."""
    document = job.assessment if job.assessment_id else job.report
    assert document is not None
    return document


@require_GET
def pdf_job(request, pk: int):
    """The PDF on its way: a note while the worker prints it (htmx asks again every
    second), then the download."""
    job = _own_pdf(request, pk)
    document = _document(job)
    context = {"job": job, "document": document, "back": document.get_absolute_url()}
    if request.htmx:
        return render(request, "reports/_pdf_progress.html", context)
    return render(request, "reports/pdf_job.html", context)


@require_GET
def pdf_download(request, pk: int):
    job = _own_pdf(request, pk)
    if job.state != PdfJob.State.DONE:
        return redirect(job)
    data = actions.pdf_downloaded(actor=request.user, job=job)
    document = _document(job)
    if isinstance(document, AnnualReport):
        name = f"{document.system.name}_{document.fiscal_year}年度_年次報告.pdf"
    else:
        name = f"{document.system.name}_{document.phase_label}_承認済み.pdf"
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, name.replace("/", "_"))
    return response


# --- the yearly report (security-status-report) ------------------------------------


def _year(year: int) -> int:
    try:
        return annual.check_year(year)
    except annual.YearRefused:
        raise Http404 from None


def _report_of(request, pk: int, year: int) -> AnnualReport:
    system = access.get_system_for_user(request, pk)
    return get_object_or_404(
        AnnualReport.objects.select_related("system__department"),
        system=system,
        fiscal_year=_year(year),
    )


@require_GET
def annual_list(request, pk: int):
    """A system's yearly reports, year by year, and the one due now."""
    system = access.get_system_for_user(request, pk)
    reports = {r.fiscal_year: r for r in system.annual_reports.all()}
    due_year = annual.reporting_year()
    start = system.operation_start
    owed = [y for y in (due_year, due_year + 1) if annual.owes_report(start, y)]
    years = sorted({*owed, *reports}, reverse=True)
    schedule = Schedule.current()
    ctx = {
        "system": system,
        "rows": [(y, reports.get(y), schedule.due_date(y)) for y in years],
        "due_year": due_year,
        "start": start,
        "can_edit": access.can_keep_operations(request.user, system),
        "ward_lists": access.can_import_ward_lists(request.user),
    }
    return render(request, "reports/annual_list.html", ctx)


@require_GET
def annual_report(request, pk: int, year: int):
    system = access.get_system_for_user(request, pk)
    year = _year(year)
    report = system.annual_reports.filter(fiscal_year=year).first()
    record_view(
        request.user, report or system, system
    )  # another department's (log-collection, security-event-logging)
    shown = report or AnnualReport(system=system, fiscal_year=year)
    content = annual.content_of(report) if report else annual.build(system, year)
    user = request.user
    not_owed = ""
    if report is None:
        try:
            annual.check_owed(system, year)
        except annual.NotOwed as why:
            not_owed = str(why)
    ctx = exports.page_context(shown, content) | {
        "system": system,
        "exists": report is not None,
        "not_owed": not_owed,
        "can_edit": access.can_keep_operations(user, system),
        "can_submit": bool(report)
        and access.can_keep_operations(user, system)
        and shown.can("submit"),
        "can_review": bool(report) and access.can_review_report(user, shown) and shown.can("judge"),
        "can_start_review": bool(report)
        and access.can_review_report(user, shown)
        and shown.can("start_review"),
        "can_decide": bool(report)
        and access.can_decide_report(user, shown)
        and shown.can("approve"),
        "can_comment": bool(report) and access.can_comment_records(user, system),
        "comments": _comments(report),
        "verdicts": Verdict.choices,
        "return_form": ReturnForm(),
    }
    return render(request, "reports/annual.html", ctx)


def _comments(report) -> dict[str, list]:
    out: dict[str, list] = {}
    if report:
        for c in report.comments.select_related("author"):
            out.setdefault(c.section, []).append(c)
    return out


@require_POST
def annual_start(request, pk: int, year: int):
    system = access.get_operations_system_for_user(request, pk)
    try:
        report = actions.start_report(actor=request.user, system=system, fiscal_year=_year(year))
    except annual.NotOwed as refused:
        messages.error(request, str(refused))
        return redirect("reports:annual", system.pk, year)
    messages.success(request, _("年次報告を作成しました。記録を確認して提出してください。"))
    return redirect(report)


@require_POST
def annual_step(request, pk: int, year: int, step: str):
    """submit (the vendor), start_review, return, approve (the ward): reports/steps.py."""
    report = _report_of(request, pk, year)
    workflow.take(request, report, access.step(request.user, report, step), request.POST)
    return redirect(report)


@require_POST
def annual_verdict(request, pk: int, year: int):
    report = _report_of(request, pk, year)
    access.require(access.can_review_report(request.user, report))
    form = VerdictForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("審査結果を選んでください。"))
        return redirect(report)
    section = form.cleaned_data["section"]
    try:
        actions.judge_section(actor=request.user, report=report, **form.cleaned_data)
    except TransitionRefused as refused:
        tell_refused(request, refused)
    return redirect(f"{report.get_absolute_url()}#{section}")


@require_POST
def annual_comment(request, pk: int, year: int):
    report = _report_of(request, pk, year)
    access.require(access.can_comment_records(request.user, report.system))
    form = SectionCommentForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("コメントを入れてください（4000文字まで、制御文字は使えません）。")
        )
        return redirect(report)
    actions.comment_section(actor=request.user, report=report, **form.cleaned_data)
    return redirect(f"{report.get_absolute_url()}#{form.cleaned_data['section']}")


@require_GET
def annual_export(request, pk: int, year: int, fmt: str):
    report = _report_of(request, pk, year)
    if fmt not in exports.FORMATS or fmt == "pdf":  # the PDF: annual_pdf, by the worker
        raise Http404
    data = actions.export(actor=request.user, report=report, fmt=fmt)
    response = HttpResponse(data, content_type=exports.FORMATS[fmt])
    name = f"{report.system.name}_{report.fiscal_year}年度_年次報告.{fmt}".replace("/", "_")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def schedule(request):
    """The month the yearly reports are due (the security reviewers set it)."""
    access.require(access.can_import_ward_lists(request.user))
    form = ScheduleForm(request.POST or None, instance=Schedule.current())
    if request.method == "POST" and form.is_valid():
        actions.set_schedule(actor=request.user, due_month=form.cleaned_data["due_month"])
        messages.success(request, _("年次報告の提出期限を変更しました。"))
        return redirect("reports:schedule")
    year = annual.reporting_year()
    ctx = {
        "form": form,
        "year": year,
        "bounds": fiscal_year_bounds(year),
        "due": Schedule.current().due_date(year),
    }
    return render(request, "reports/schedule.html", ctx, status=400 if form.errors else 200)
