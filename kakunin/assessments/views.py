from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kakunin import access
from kakunin.assessments import actions
from kakunin.assessments.forms import (
    AnswerFields,
    AnswerForm,
    AssessmentFilter,
    DueDateForm,
    status_choices,
)
from kakunin.assessments.models import ANSWER_MAX_LENGTH, AnswerRevision, State, Status, Verdict
from kakunin.assessments.sheet import Row, Section, attach_details, build_sheet, totals
from kakunin.audit.trail import record_view

# The words each of the 83 item blocks repeats, translated once per request
# instead of 83 times by {% translate %} tags.
ITEM_WORDS = {
    "examples": gettext_lazy("記載例"),
    "scan": gettext_lazy("自動確認"),
    "scan_conflict": gettext_lazy("対応済の回答と不一致"),
    "scan_evidence": gettext_lazy("証跡"),
    "applies": gettext_lazy("適用"),
    "not_applies": gettext_lazy("適用外"),
    "ward_item": gettext_lazy("区が回答"),
    "related": gettext_lazy("関連"),
    "same_as": gettext_lazy("と同じ回答にする"),
    "status": gettext_lazy("対応状況"),
    "answer": gettext_lazy("回答"),
    "plan": gettext_lazy("対応予定（一部対応・未対応のとき）"),
    "target_date": gettext_lazy("対応予定日"),
    "save": gettext_lazy("保存"),
    "saved": gettext_lazy("保存しました"),
    "unsaved": gettext_lazy("未保存の変更があります"),
    "saving": gettext_lazy("保存中…"),
    "failed": gettext_lazy("保存できませんでした"),
    "logged_out": gettext_lazy(
        "ログインが切れました。入力内容はこの画面に残っています。別のタブでログインし直し、この画面に戻ると保存します。"
    ),
    "restored": gettext_lazy("前回保存できなかった入力を復元しました"),
    "not_answered": gettext_lazy("（未回答）"),
    "updated": gettext_lazy("最終更新"),
    "initial_value": gettext_lazy("区（初期値）"),
    "history": gettext_lazy("変更履歴"),
    "changed_since_previous": gettext_lazy("前回の承認済み回答から変更"),
    "changed_since_submission": gettext_lazy("前回の提出から変更"),
    "before": gettext_lazy("前回の提出"),
    "evidence": gettext_lazy("証跡ファイル"),
    "upload": gettext_lazy("添付"),
    "remove": gettext_lazy("削除"),
    "remove_confirm": gettext_lazy("この証跡ファイルを削除します。よろしいですか？"),
    "evidence_help": gettext_lazy("PDF・PNG・JPEG・XLSX・DOCX・CSV・TXT、20MBまで"),
    "comments": gettext_lazy("コメント"),
    "comment": gettext_lazy("コメントを書く"),
    "send": gettext_lazy("送信"),
    "verdict": gettext_lazy("審査結果"),
    "verdict_comment": gettext_lazy("コメント（要修正・要確認のときは必須）"),
    "record_verdict": gettext_lazy("審査結果を記録"),
    "plan_short": gettext_lazy("対応予定"),
    "confirm": gettext_lazy("この回答のままで確認済みにする"),
}
VERDICT_LABELS = dict(Verdict.choices)


def item_words() -> dict[str, str]:
    return {key: str(word) for key, word in ITEM_WORDS.items()}


class Page:
    """What the item blocks need to know about the user and the assessment, once."""

    def __init__(self, request, assessment):
        user = request.user
        self.assessment = assessment
        self.can_review = assessment.state == State.IN_REVIEW and access.can_review(
            user, assessment
        )
        self.can_comment = access.can_comment(user, assessment)
        self.carried_label = assessment.carried_label
        self.verdicts = [(str(v), str(label)) for v, label in Verdict.choices]


def _sheet(request, assessment, bound: AnswerForm | None = None) -> list[Section]:
    """The sections as this user sees them: each row with its details and, where
    editable, its inline form. `bound` is a form that failed: shown with what was typed."""
    sections = build_sheet(assessment, access.answer_scope(request.user, assessment))
    attach_details(assessment, sections)
    # Reverse each URL once: 83 items x 6 links would otherwise cost more than the queries.
    # Keys are the URL names, except "copy": `row.urls.copy` in a template is dict.copy.
    names = {
        "save_item": "assessments:save_item",
        "history": "assessments:history",
        "copy_from": "assessments:copy",
        "confirm": "assessments:confirm",
        "evidence_add": "evidence:add",
        "comment": "reviews:comment",
        "verdict": "reviews:verdict",
    }
    patterns = {key: reverse(name, args=[assessment.pk, "KEY"]) for key, name in names.items()}
    choices = {}
    for section in sections:
        for row in section.rows:
            row.urls = {n: p.replace("KEY", row.item.key) for n, p in patterns.items()}
            if bound is not None and bound.prefix == row.item.key:
                row.form = AnswerFields.of_form(bound)
            elif row.editable:
                kind = row.item.answered_by
                choices.setdefault(kind, status_choices(row.item))
                row.form = AnswerFields.of(row.answer, choices[kind])
    return sections


def _find(sections: list[Section], key: str) -> tuple[Row, Section]:
    for section in sections:
        for row in section.rows:
            if row.item.key == key:
                return row, section
    raise Http404


def render_rows(request, page: Page, rows: list[Row], **state) -> None:
    """Set row.html for each row (Jinja2, autoescaped: see jinja2/assessments/item.html)."""
    template = engines["jinja2"].get_template("assessments/item.html")
    ctx = {
        "t": item_words(),
        "page": page,
        "verdict_labels": VERDICT_LABELS,
        "max_length": ANSWER_MAX_LENGTH,
        # One token for the page's forms, read once: passing the request would mask a
        # new one for every form of every item (about 250 a page, a third of its time).
        "csrf_token": get_token(request),
        **state,
    }
    for row in rows:
        row.html = mark_safe(template.render(ctx | {"row": row}))  # noqa: S308


def detail(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    record_view(request.user, assessment, assessment.system)
    return _detail_page(request, assessment)


def _detail_page(request, assessment, bound: AnswerForm | None = None, status=200):
    sections = _sheet(request, assessment, bound)
    page = Page(request, assessment)
    render_rows(request, page, [row for section in sections for row in section.rows])
    answered, applicable = totals(sections)
    ctx = {
        "assessment": assessment,
        "sections": sections,
        "answered": answered,
        "applicable": applicable,
        "can_answer": any(row.editable for s in sections for row in s.rows),
        "can_submit": access.can_submit(request.user, assessment),
        "can_review": access.can_review(request.user, assessment),
        "can_decide": access.can_decide(request.user, assessment),
        "can_manage": access.can_edit_system(request.user, assessment.system),
        "due_form": DueDateForm(initial={"due_date": assessment.due_date}),
        "carried": sum(1 for s in sections for r in s.rows if r.answer.carried),
        "unjudged": sum(1 for s in sections for r in s.rows if r.applies and not r.answer.verdict),
        "returned": [
            r
            for s in sections
            for r in s.rows
            if r.answer.verdict in (Verdict.FIX, Verdict.QUESTION)
        ],
        # Answered 対応済, found 不適合 by the latest automated check.
        "scan_conflicts": [
            r
            for s in sections
            for r in s.rows
            if r.scan and r.scan.verdict == "fail" and r.answer.status == Status.DONE
        ],
    }
    return render(request, "assessments/detail.html", ctx, status=status)


def item_response(request, assessment, key: str, bound=None, **state):
    """The item again, and (out of band) its section's progress and the total."""
    sections = _sheet(request, assessment, bound)
    row, section = _find(sections, key)
    render_rows(request, Page(request, assessment), [row], **state)
    answered, applicable = totals(sections)
    ctx = {
        "row": row,
        "section": section,
        "answered": answered,
        "applicable": applicable,
        "oob": True,
    }
    return render(request, "assessments/_item_response.html", ctx)


def back_to_item(request, answer, **state):
    """After an action on one item (evidence, comment, verdict): the item again for
    htmx, or the page at the item for a plain form post."""
    if request.htmx:
        return item_response(request, answer.assessment, answer.item.key, **state)
    return redirect(
        reverse("assessments:detail", args=[answer.assessment_id]) + f"#item-{answer.item.key}"
    )


def _autosave_response(request, assessment, key: str, form, saved: bool):
    """For saving as one types: the page keeps its text box; only the saved state,
    the version, the errors and the progress change (out of band)."""
    sections = _sheet(request, assessment)
    row, section = _find(sections, key)
    answered, applicable = totals(sections)
    errors = [] if form.is_valid() else [e for errs in form.errors.values() for e in errs]
    oob = (
        engines["jinja2"]
        .get_template("assessments/autosave.html")
        .render(
            {
                "row": row,
                "t": item_words(),
                "saved": saved,
                "ok": form.is_valid(),
                "errors": errors,
            },
            request,
        )
    )
    ctx = {
        "oob_html": mark_safe(oob),  # noqa: S308 (Jinja2, autoescaped)
        "section": section,
        "answered": answered,
        "applicable": applicable,
        "oob": True,
    }
    return render(request, "assessments/_autosave.html", ctx)


@require_POST
def save_item(request, pk: int, key: str):
    assessment = access.get_rw_assessment_for_user(request, pk)
    row, _section = _find(
        build_sheet(assessment, access.answer_scope(request.user, assessment)), key
    )
    if not row.editable:
        return HttpResponse(_("この回答は変更できません。"), status=403)
    form = AnswerForm(request.POST, answer=row.answer)
    saved = False
    if form.is_valid():
        values = {f: form.cleaned_data[f] for f in ("status", "text", "plan", "target_date")}
        try:
            saved = actions.update_answer(
                actor=request.user,
                answer=row.answer,
                values=values,
                expected_version=form.cleaned_data["version"],
                source=AnswerRevision.Source.WEB,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except (actions.StaleAnswer, actions.AnswerLocked) as exc:
            form.add_error(None, str(exc))
    ok, number = form.is_valid(), row.item.number
    if request.htmx:
        return _autosave_response(request, assessment, key, form, saved)
    if not ok:
        messages.error(request, _("No.%(n)s の回答を保存できませんでした。") % {"n": number})
        return _detail_page(request, assessment, bound=form, status=400)
    messages.success(request, _("No.%(n)s の回答を保存しました。") % {"n": number})
    return redirect(reverse("assessments:detail", args=[assessment.pk]) + f"#{row.dom_id}")


@require_POST
def copy(request, pk: int, key: str):
    """ "Same as item N" (2~68, 4~41~69, 5~42, 28/30~70): copy the related item's answer."""
    assessment = access.get_rw_assessment_for_user(request, pk)
    sections = build_sheet(assessment, access.answer_scope(request.user, assessment))
    row, _section = _find(sections, key)
    source_key = request.POST.get("source", "")
    if not row.editable or source_key not in row.item.related:
        raise Http404
    source, _s = _find(sections, source_key)
    try:
        actions.copy_answer(actor=request.user, answer=row.answer, source=source.answer)
    except (ValidationError, actions.AnswerLocked) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    if request.htmx:
        return item_response(request, assessment, key, saved=True)
    return redirect(reverse("assessments:detail", args=[assessment.pk]) + f"#{row.dom_id}")


@require_POST
def confirm(request, pk: int, key: str):
    """The answer taken over from last year still holds: confirm it as this year's."""
    answer = access.get_rw_answer_for_user(request, pk, key)
    try:
        actions.confirm_carried(actor=request.user, answer=answer)
    except actions.AnswerLocked as exc:
        messages.error(request, str(exc))
    if request.htmx:
        return item_response(request, answer.assessment, key, saved=True)
    return redirect(reverse("assessments:detail", args=[pk]) + f"#item-{key}")


@require_GET
def item(request, pk: int, key: str):
    assessment = access.get_assessment_for_user(request, pk)
    if not request.htmx:
        return redirect(reverse("assessments:detail", args=[assessment.pk]) + f"#item-{key}")
    return item_response(request, assessment, key)


@require_GET
def history(request, pk: int, key: str):
    assessment = access.get_assessment_for_user(request, pk)
    item = get_object_or_404(assessment.template.items, key=key)
    answer = assessment.answers.get(item=item)
    revisions = answer.revisions.select_related("changed_by")
    ctx = {"assessment": assessment, "item": item, "answer": answer, "revisions": revisions}
    name = "assessments/_history.html" if request.htmx else "assessments/history.html"
    return render(request, name, ctx)


@require_POST
def submit(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    access.require(access.can_submit(request.user, assessment))
    try:
        actions.submit(actor=request.user, assessment=assessment)
    except actions.TransitionRefused as exc:
        messages.error(request, str(exc))
        for problem in exc.problems[:30]:
            messages.error(request, problem)
        if len(exc.problems) > 30:
            messages.error(request, _("ほか %(n)d 件") % {"n": len(exc.problems) - 30})
    else:
        messages.success(request, _("提出しました。区の審査をお待ちください。"))
    return redirect("assessments:detail", assessment.pk)


@require_POST
def due_date(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    access.require(access.can_edit_system(request.user, assessment.system))
    form = DueDateForm(request.POST)
    if form.is_valid():
        actions.set_due_date(
            actor=request.user, assessment=assessment, due_date=form.cleaned_data["due_date"]
        )
        messages.success(request, _("提出期限を設定しました。"))
    else:
        messages.error(request, _("提出期限は YYYY-MM-DD の日付で入力してください。"))
    return redirect("assessments:detail", assessment.pk)


def assessment_list(request):
    """Every assessment the user may see: filtered, sorted, paginated."""
    form = AssessmentFilter(request.GET or None, user=request.user)
    qs = form.filter(access.visible_assessments(request.user).select_related("system__department"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    status = 400 if form.errors else 200
    return render(
        request,
        "assessments/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=status,
    )
