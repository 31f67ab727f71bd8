from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kakunin.accounts import access
from kakunin.assessments import actions
from kakunin.assessments.forms import AnswerFields, AnswerForm, status_choices
from kakunin.assessments.models import ANSWER_MAX_LENGTH, AnswerRevision
from kakunin.assessments.sheet import Row, Section, build_sheet, totals
from kakunin.audit.trail import record_view

# The words each of the 83 item blocks repeats, translated once per request
# instead of 83 times by {% translate %} tags.
ITEM_WORDS = {
    "examples": gettext_lazy("記載例"),
    "applies": gettext_lazy("適用"),
    "not_applies": gettext_lazy("適用外"),
    "ward_item": gettext_lazy("区が回答"),
    "related": gettext_lazy("関連"),
    "status": gettext_lazy("対応状況"),
    "answer": gettext_lazy("回答"),
    "save": gettext_lazy("保存"),
    "saved": gettext_lazy("保存しました"),
    "unsaved": gettext_lazy("未保存の変更があります"),
    "failed": gettext_lazy("保存できませんでした"),
    "not_answered": gettext_lazy("（未回答）"),
    "updated": gettext_lazy("最終更新"),
    "initial_value": gettext_lazy("区（初期値）"),
    "history": gettext_lazy("変更履歴"),
}


def item_words() -> dict[str, str]:
    return {key: str(word) for key, word in ITEM_WORDS.items()}


def _sheet(request, assessment, bound: AnswerForm | None = None) -> list[Section]:
    """The sections as this user sees them: each editable row with its inline form.

    `bound` is a form that failed to save: it is shown again with what was typed.
    """
    sections = build_sheet(assessment, access.answer_scope(request.user, assessment))
    # Reverse each URL once: 83 items x 2 links would otherwise cost more than the queries.
    save = reverse("assessments:save_item", args=[assessment.pk, "KEY"])
    history = reverse("assessments:history", args=[assessment.pk, "KEY"])
    choices = {}
    for section in sections:
        for row in section.rows:
            row.save_url = save.replace("KEY", row.item.key)
            row.history_url = history.replace("KEY", row.item.key)
            if bound is not None and bound.prefix == row.item.key:
                row.form = AnswerFields.of_form(bound)
            elif row.editable:
                kind = row.item.answered_by
                choices.setdefault(kind, status_choices(row.item))
                row.form = AnswerFields.of(row.answer, choices[kind])
    return sections


def _render(request, rows: list[Row], **state) -> None:
    """Set row.html for each row (Jinja2, autoescaped: see jinja2/assessments/item.html)."""
    template = engines["jinja2"].get_template("assessments/item.html")
    ctx = {"t": item_words(), "max_length": ANSWER_MAX_LENGTH, **state}
    for row in rows:
        row.html = mark_safe(template.render(ctx | {"row": row}, request))  # noqa: S308


def _find(sections: list[Section], key: str) -> tuple[Row, Section]:
    for section in sections:
        for row in section.rows:
            if row.item.key == key:
                return row, section
    raise Http404


def detail(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    record_view(request.user, assessment, assessment.system)
    return _detail_page(request, assessment)


def _detail_page(request, assessment, bound: AnswerForm | None = None, status=200):
    sections = _sheet(request, assessment, bound)
    _render(request, [row for section in sections for row in section.rows])
    answered, applicable = totals(sections)
    ctx = {
        "assessment": assessment,
        "sections": sections,
        "answered": answered,
        "applicable": applicable,
        "can_answer": any(row.editable for s in sections for row in s.rows),
    }
    return render(request, "assessments/detail.html", ctx, status=status)


def _item_response(request, assessment, key: str, bound=None, **state):
    """The item and, out of band, its section's progress and the total."""
    sections = _sheet(request, assessment, bound)
    row, section = _find(sections, key)
    _render(request, [row], **state)
    answered, applicable = totals(sections)
    ctx = {
        "assessment": assessment,
        "row": row,
        "section": section,
        "answered": answered,
        "applicable": applicable,
        "oob": True,
    }
    return render(request, "assessments/_item_response.html", ctx)


@require_POST
def save_item(request, pk: int, key: str):
    assessment = access.get_rw_assessment_for_user(request, pk)
    row, _section = _find(
        build_sheet(assessment, access.answer_scope(request.user, assessment)), key
    )
    access.require(row.editable)
    form = AnswerForm(request.POST, answer=row.answer)
    saved = False
    if form.is_valid():
        try:
            saved = actions.update_answer(
                actor=request.user,
                answer=row.answer,
                status=form.cleaned_data["status"],
                text=form.cleaned_data["text"],
                expected_version=form.cleaned_data["version"],
                source=AnswerRevision.Source.WEB,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except actions.StaleAnswer as exc:
            form.add_error(None, str(exc))
    ok = form.is_valid()
    number = row.item.number
    if request.htmx:
        return _item_response(
            request, assessment, key, None if ok else form, saved=saved, failed=not ok
        )
    if not ok:
        messages.error(request, _("No.%(n)s の回答を保存できませんでした。") % {"n": number})
        return _detail_page(request, assessment, bound=form, status=400)
    messages.success(request, _("No.%(n)s の回答を保存しました。") % {"n": number})
    return redirect(reverse("assessments:detail", args=[assessment.pk]) + f"#{row.dom_id}")


@require_GET
def item(request, pk: int, key: str):
    assessment = access.get_assessment_for_user(request, pk)
    if not request.htmx:
        return redirect(reverse("assessments:detail", args=[assessment.pk]) + f"#item-{key}")
    return _item_response(request, assessment, key)


@require_GET
def history(request, pk: int, key: str):
    assessment = access.get_assessment_for_user(request, pk)
    item = get_object_or_404(assessment.template.items, key=key)
    answer = assessment.answers.get(item=item)
    revisions = answer.revisions.select_related("changed_by")
    ctx = {"assessment": assessment, "item": item, "answer": answer, "revisions": revisions}
    name = "assessments/_history.html" if request.htmx else "assessments/history.html"
    return render(request, name, ctx)
