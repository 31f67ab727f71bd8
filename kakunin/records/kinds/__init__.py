"""What each kind of record holds: one form per kind, the single definition of its
fields, their checks and their words. The record keeps what the form cleaned as
JSON (`RecordForm.payload()`); the pages, the yearly report and its exports read it
back through the same form (`KINDS[kind].rows(record)`). One module per kind (admin_reviews, log_reviews,
vuln_assessments, backups, cloud, certifications, disposals) on base.py.

Lists (the administrator accounts, the restore tests, the media disposed of) are
typed one entry a line, the parts split by commas, as people keep them in Excel;
each line is checked and a fault names its line.
"""

import datetime

from django import forms
from django.conf import settings

from kakunin.core.text import Text, say
from kakunin.records.kinds.admin_reviews import AdminReviewForm, holder_is_person
from kakunin.records.kinds.backups import BackupForm
from kakunin.records.kinds.base import (
    CONTROLS,
    ISMAP_NUMBER,
    MAX_LINES,
    DateField,
    LinesField,
    PastDateField,
    RecordForm,
    area_field,
    not_in_future,
    text_field,
)
from kakunin.records.kinds.beside import CommentForm, FilesForm, IsmapUploadForm, WithdrawForm
from kakunin.records.kinds.certifications import CertificationForm
from kakunin.records.kinds.cloud import CloudForm
from kakunin.records.kinds.disposals import DisposalForm
from kakunin.records.kinds.log_reviews import LogReviewForm, short_retention
from kakunin.records.kinds.vuln_assessments import VulnAssessmentForm
from kakunin.records.models import Kind

KINDS: dict[str, type[RecordForm]] = {
    form.kind: form
    for form in (
        AdminReviewForm,
        LogReviewForm,
        VulnAssessmentForm,
        BackupForm,
        CloudForm,
        CertificationForm,
        DisposalForm,
    )
}


def record_problems(record, today: datetime.date) -> list[Text]:
    """What the ward should notice in a record by itself (the ISMAP check is
    records/ismap.py): logs kept under 2 years, a certificate expired or expiring,
    an admin-account review past its next date."""
    out = []
    if record.kind == Kind.LOG_REVIEW and short_retention(record.data):
        out.append(say("ログの保管期間が2年（24か月）未満です。"))
    if record.kind == Kind.CERTIFICATION and record.until:
        if record.until < today:
            out.append(say("有効期限（%(day)s）が過ぎています。", day=record.until.isoformat()))
        elif record.until <= today + datetime.timedelta(days=settings.CERTIFICATE_WARNING_DAYS):
            out.append(say("有効期限（%(day)s）が近づいています。", day=record.until.isoformat()))
    return out


def audit_words() -> dict:
    """The words of every kind's fields, of the parts of its lists and of its choices,
    for the audit trail (whose events keep the codes a record is stored as)."""
    fields: dict = {}
    values: dict = {}
    for form in KINDS.values():
        for name, field in form.base_fields.items():
            fields.setdefault(name, field.label)
            if isinstance(field, forms.ChoiceField) and not hasattr(field, "queryset"):
                values.setdefault(name, {}).update(dict(field.choices))  # type: ignore[arg-type]
            if isinstance(field, LinesField):
                for key, label in field.parts:
                    fields.setdefault(key, label)
                for key, words in field.words.items():
                    values.setdefault(key, {}).update(words)
    return {"fields": fields, "values": values}


__all__ = [
    "CONTROLS",
    "ISMAP_NUMBER",
    "KINDS",
    "MAX_LINES",
    "CommentForm",
    "DateField",
    "FilesForm",
    "IsmapUploadForm",
    "LinesField",
    "PastDateField",
    "RecordForm",
    "WithdrawForm",
    "area_field",
    "audit_words",
    "holder_is_person",
    "not_in_future",
    "record_problems",
    "short_retention",
    "text_field",
]  # fmt: skip
