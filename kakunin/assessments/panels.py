"""The assessments of a system, on the system's page (registered in apps.py)."""

from kakunin.assessments.forms import AssessmentCreateForm


def system_panel(request, system, *, can_edit: bool):
    context = {
        "system": system,
        "template": system.form_in_force(),
        "assessments": system.assessments.select_related("template"),
        "can_edit": can_edit,
        "assessment_form": AssessmentCreateForm(system=system),
    }
    return "assessments/_system_panel.html", context
