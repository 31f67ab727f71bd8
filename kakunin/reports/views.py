from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from kakunin import access
from kakunin.assessments.models import State
from kakunin.reports import actions


@require_GET
def assessment_pdf(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    access.require(assessment.state == State.APPROVED)
    data = actions.export_pdf(actor=request.user, assessment=assessment)
    response = HttpResponse(data, content_type="application/pdf")
    name = f"{assessment.system.name}_{assessment.phase_label}_承認済み.pdf".replace("/", "_")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
