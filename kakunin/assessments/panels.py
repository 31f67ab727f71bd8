"""The assessments of a system, on the system's page (registered in apps.py)."""

from kakunin.assessments.forms import AssessmentCreateForm
from kakunin.catalog.models import Template


def system_panel(request, system, *, can_edit: bool):
    context = {
        "system": system,
        "template": Template.current(),
        "assessments": system.assessments.select_related("template"),
        "can_edit": can_edit,
        "assessment_form": AssessmentCreateForm(system=system),
    }
    return "assessments/_system_panel.html", context
