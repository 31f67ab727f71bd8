"""An evidence file handed out: always an attachment, never shown inline."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from kakunin.evidence.detect import KINDS
from kakunin.evidence.models import Evidence


def attachment(evidence: Evidence, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=KINDS[evidence.kind][0])
    response["Content-Disposition"] = content_disposition_header(True, evidence.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
