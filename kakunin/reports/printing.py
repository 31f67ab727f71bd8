"""PDFs made by the job worker (issue 23.15): an approved assessment's for the 決裁 took
11.8 s inside a request and once ran past gunicorn's timeout into a 500. A request asks
for the PDF and returns at once; the worker prints it in the requester's language; the
page follows it and offers the download, audited as the direct download was."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from kakunin.reports import annual, exports, pdf
from kakunin.reports.models import PdfJob
from kakunin.tenants.active import activated, everywhere

log = logging.getLogger(__name__)


class PdfRefused(Exception):
    """The PDF cannot be asked for now (the reason is in the message)."""


def request_pdf(*, actor, assessment=None, report=None, language: str) -> PdfJob:
    """The job for this person's PDF of this document: the one already under way, or a
    new one handed to the worker once the request commits."""
    document = {"assessment": assessment} if assessment is not None else {"report": report}
    unfinished = [
        job
        for job in PdfJob.objects.filter(
            requested_by=actor, state__in=[PdfJob.State.PENDING, PdfJob.State.RUNNING]
        )
        if not job.stalled
    ]
    for job in unfinished:
        if (job.assessment_id, job.report_id) == (
            getattr(assessment, "pk", None),
            getattr(report, "pk", None),
        ):
            return job
    if len(unfinished) >= settings.PDF_MAX_UNFINISHED:
        raise PdfRefused(
            _("作成中の PDF が %(n)s 件あります。できあがってから、もう一度お試しください。")
            % {"n": len(unfinished)}
        )
    job = PdfJob.objects.create(requested_by=actor, language=language, **document)
    transaction.on_commit(lambda: make_pdf(job.pk))
    return job


@db_task()
def make_pdf(job_pk: int) -> None:
    """The worker's task (huey finds it through reports.tasks, which imports this), in
    the municipality of the document it prints."""
    with everywhere():
        job = (
            PdfJob.objects.filter(pk=job_pk)
            .select_related("assessment__system__municipality", "report__system__municipality")
            .first()
        )
    if job is None:
        return
    document = job.assessment or job.report
    with activated(document.system.municipality if document else None):
        make(job_pk)


def make(job_pk: int) -> None:
    """Print the job's PDF (in the worker). A failure is kept on the job, for its page."""
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().filter(pk=job_pk).first()
        if job is None or job.state != PdfJob.State.PENDING:
            return  # gone (kept too long), or another worker has it
        job.state, job.started_at = PdfJob.State.RUNNING, timezone.now()
        job.save(update_fields=["state", "started_at"])
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            if job.assessment_id:
                data, pages = pdf.write(pdf.render_html(job.assessment))
            else:
                report = job.report
                assert report is not None  # one document or the other (a constraint)
                data, pages = pdf.write(exports.pdf_html(report, annual.content_of(report)))
    except Exception:
        # Whatever WeasyPrint or the data raised: the page says it failed, the log says why.
        log.exception("PDF job %s failed", job_pk)
        PdfJob.objects.filter(pk=job_pk).update(
            state=PdfJob.State.FAILED, finished_at=timezone.now()
        )
        return
    PdfJob.objects.filter(pk=job_pk).update(
        state=PdfJob.State.DONE,
        data=data,
        size=len(data),
        pages=pages,
        finished_at=timezone.now(),
    )


def forget_old(now=None) -> int:
    """PDFs older than PDF_KEEP_HOURS are deleted (they hold the documents' content)."""
    now = now or timezone.now()
    deleted, _rows = PdfJob.objects.filter(
        created_at__lt=now - timedelta(hours=settings.PDF_KEEP_HOURS)
    ).delete()
    return deleted
