from django.db import transaction

from kakunin.audit.trail import record
from kakunin.reports.pdf import assessment_pdf


def export_pdf(*, actor, assessment) -> bytes:
    data = assessment_pdf(assessment)
    with transaction.atomic():
        record("report.pdf", assessment, actor=actor, changes={"bytes": [None, len(data)]})
    return data
