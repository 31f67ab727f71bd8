from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kakunin import access
from kakunin.assessments.views import back_to_item
from kakunin.core.text import form_errors
from kakunin.evidence import actions
from kakunin.evidence.detect import Refused
from kakunin.evidence.models import Evidence
from kakunin.evidence.responses import attachment


class EvidenceForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("証跡ファイル"), max_length=255)


@require_POST
def add(request, pk: int, key: str):
    answer = access.get_rw_answer_for_user(request, pk, key)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        error = " ".join(form_errors(form, "file")) or _("添付するファイルを選んでください。")
        if not request.htmx:
            messages.error(request, error)
        return back_to_item(request, answer, evidence_error=error)

    try:
        evidence = actions.add_evidence(
            actor=request.user, answer=answer, upload=form.cleaned_data["file"]
        )
    except Refused as exc:
        if not request.htmx:
            messages.error(request, str(exc))
        return back_to_item(request, answer, evidence_error=str(exc))
    if not request.htmx:
        messages.success(request, _("%(name)s を添付しました。") % {"name": evidence.filename})
    return back_to_item(request, answer)


def _evidence(request, pk: int, evidence_pk: int) -> Evidence:
    assessment = access.get_assessment_for_user(request, pk)
    return get_object_or_404(Evidence.objects.of(assessment), pk=evidence_pk)


@require_GET
def download(request, pk: int, evidence_pk: int):
    """Only through here, for someone who may see the assessment: an attachment, never inline."""
    evidence = _evidence(request, pk, evidence_pk)
    return attachment(evidence, actions.read_evidence(actor=request.user, evidence=evidence))


@require_POST
def remove(request, pk: int, evidence_pk: int):
    evidence = _evidence(request, pk, evidence_pk)
    assert evidence.answer is not None  # _evidence() finds an assessment's files only
    answer = access.get_rw_answer_for_user(request, pk, evidence.answer.item.key)
    actions.remove_evidence(actor=request.user, evidence=evidence)
    return back_to_item(request, answer)
