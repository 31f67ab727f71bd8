import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kakunin import access
from kakunin.assessments.actions import StaleAnswer
from kakunin.catalog.loader import CatalogError
from kakunin.catalog.models import Control
from kakunin.forms_xlsx import actions
from kakunin.forms_xlsx.definition.build import Options, draft
from kakunin.forms_xlsx.definition.forms import (
    COLUMN_CHOICES,
    STATUS_CHOICES,
    DefinitionForm,
    UploadDefinitionForm,
    corrections,
)
from kakunin.forms_xlsx.importer import Plan, read_plan
from kakunin.forms_xlsx.models import DefinitionImport, FormImport
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


# --- A municipality's own form, uploaded from Excel, previewed, corrected --------------


def definition_upload(request):
    access.require_visible(access.can_manage_forms(request.user))
    post = (request.POST, request.FILES) if request.method == "POST" else ()
    form = UploadDefinitionForm(*post)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.pop("file")
        data = upload.read(settings.FORM_IMPORT_MAX_BYTES + 1)
        options = {k: v for k, v in form.cleaned_data.items()}
        try:
            draft(data, upload.name, definition_options(options)).parsed()
        except ImportRefused as exc:
            errors = exc.errors
        else:
            staged = actions.stage_definition(
                actor=request.user, data=data, filename=upload.name, options=options
            )
            return redirect("form_definitions:preview", staged.pk)
    status = 400 if errors or form.errors else 200
    ctx = {"form": form, "errors": errors}
    return render(request, "forms_xlsx/definition_upload.html", ctx, status=status)


def _staged_definition(request, pk: int) -> DefinitionImport:
    access.require_visible(access.can_manage_forms(request.user))
    return get_object_or_404(
        DefinitionImport, pk=pk, uploaded_by=request.user, state=DefinitionImport.State.PENDING
    )


def definition_options(options: dict) -> Options:
    return Options(
        name=options.get("name", ""), key=options.get("key", ""),
        version=options.get("version") or "1", issuer=options.get("issuer", ""),
        remap={int(k): v for k, v in options.get("remap", {}).items()},
        words=options.get("words", {}), controls=options.get("controls", {}),
    )  # fmt: skip


def definition_preview(request, pk: int):
    """The form as read: its columns, sections, items, answer words and the controls
    suggested for each item, each correctable before anything is saved."""
    staged = _staged_definition(request, pk)
    options, errors = dict(staged.options), list[str]()
    made = draft(bytes(staged.data), staged.filename, definition_options(options))
    names = DefinitionForm(request.POST or None, initial=options)
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision == "cancel":
            actions.cancel_definition(actor=request.user, staged=staged)
            messages.info(request, _("様式の読み込みを取り消しました。何も保存していません。"))
            return redirect("catalog:list")
        read = made.read
        remap, words, chosen, errors = corrections(
            request.POST, [*read.columns, *read.ignored], list(read.words),
            [i.label for i in read.items],
        )  # fmt: skip
        if names.is_valid() and not errors:
            wanted = {**options, **names.cleaned_data}
            wanted["remap"] = {**options.get("remap", {}), **{str(k): v for k, v in remap.items()}}
            wanted["words"], wanted["controls"] = words, chosen
            try:
                redone = draft(bytes(staged.data), staged.filename, definition_options(wanted))
                parsed = redone.parsed()
            except ImportRefused as exc:
                errors = exc.errors
            else:
                DefinitionImport.objects.filter(pk=staged.pk).update(options=wanted)
                if decision == "apply":
                    return _apply(request, staged, parsed)
                return redirect("form_definitions:preview", staged.pk)
    ctx = {"staged": staged, "made": made, "names": names, "errors": errors, **preview_rows(made)}
    status = 400 if errors or names.errors else 200
    return render(request, "forms_xlsx/definition_preview.html", ctx, status=status)


def _apply(request, staged: DefinitionImport, parsed):
    try:
        template = actions.apply_definition(actor=request.user, staged=staged, parsed=parsed)
    except CatalogError as exc:  # the key and version taken by another content: say so, stay
        messages.error(request, str(exc))
        return redirect("form_definitions:preview", staged.pk)
    except actions.DefinitionDecided:
        messages.error(request, _("この様式はすでに読み込まれたか、取り消されています。"))
        return redirect("catalog:list")
    messages.success(request, _("様式「%(name)s」を読み込みました。") % {"name": template})
    return redirect("catalog:detail", template.pk)


def preview_rows(made) -> dict:
    """The preview's tables: each column with its choices, each item with its ranked
    suggestions and the controls chosen, each answer word with the status it means."""
    controls = list(Control.objects.all())
    titles = {c.key: c.label for c in controls}
    chosen = {i.get("label") or str(i["number"]): i["controls"] for i in made.definition["items"]}
    items = [
        {
            "n": n, "item": item, "chosen": chosen.get(item.label, []),
            "ranked": [(s.control, titles.get(s.control, s.control), s.score)
                       for s in made.suggestions[item.label][:3]],
        }
        for n, item in enumerate(made.read.items)
    ]  # fmt: skip
    meant = made_words(made)
    words = [
        {"n": n, "word": word, "status": meant.get(word) or status or ""}
        for n, (word, status) in enumerate(made.read.words.items())
    ]
    return {
        "columns": [*made.read.columns, *made.read.ignored],
        "column_choices": COLUMN_CHOICES,
        "status_choices": STATUS_CHOICES,
        "items": items,
        "words": words,
        "controls": controls,
        "sections": list(dict.fromkeys(i.section for i in made.read.items)),
    }


def made_words(made) -> dict[str, str]:
    """The answer words as the definition means them now (corrections included)."""
    out = {}
    for status, spellings in made.definition["layout"]["status_words"].items():
        for word in spellings:
            if word in made.read.words:
                out[word] = status
    return out
