import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kakunin import access
from kakunin.assessments.actions import StaleAnswer
from kakunin.forms_xlsx import actions
from kakunin.forms_xlsx.importer import Plan, read_plan
from kakunin.forms_xlsx.models import FormImport
from kakunin.staging.models import ImportRefused
from kakunin.staging.views import Staged, Words

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("記入済みの様式（xlsx）"), max_length=255)


def download_name(assessment) -> str:
    name = f"{assessment.system.name}_{assessment.phase_label}_セキュリティ要件確認一覧表.xlsx"
    return re.sub(r'[\\/:*?"<>|\r\n]+', "_", name)


@require_GET
def export(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    data = actions.export_assessment(
        actor=request.user,
        assessment=assessment,
        ward_copy=access.gets_ward_copy(request.user),
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, download_name(assessment))
    return response


def upload(request, pk: int):
    assessment = access.get_rw_assessment_for_user(request, pk)
    form = UploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        scope = access.answer_scope(request.user, assessment)
        upload = form.cleaned_data["file"]
        try:
            plan = read_plan(upload, assessment, scope)
        except ImportRefused as exc:
            errors = exc.errors
        else:
            staged = actions.stage_upload(
                actor=request.user, assessment=assessment, plan=plan, name=upload.name
            )
            return redirect("forms_xlsx:preview", assessment.pk, staged.pk)
    status = 400 if errors or form.errors else 200
    ctx = {"assessment": assessment, "form": form, "errors": errors}
    return render(request, "forms_xlsx/upload.html", ctx, status=status)


WORDS = Words(
    gettext_lazy("Excel様式から %(n)s 件の回答を反映しました。"),
    gettext_lazy("取り込みを取り消しました。回答は変更していません。"),
    gettext_lazy(
        "アップロード後に回答が更新されたため、反映しませんでした。もう一度ダウンロードして記入してください。"
    ),
)
preview, decide = Staged(
    FormImport, access.get_rw_assessment_for_user, actions.apply_plan, (StaleAnswer, ValidationError),
    "assessments:detail", lambda a, staged: {"assessment": a, "plan": Plan.from_json(staged.plan)}, WORDS,
).views()  # fmt: skip
