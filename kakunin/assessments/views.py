from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kakunin import access
from kakunin.assessments import actions, page, workflow
from kakunin.assessments.forms import (
    AnswerForm,
    AssessmentCreateForm,
    AssessmentFilter,
    DueDateForm,
)
from kakunin.assessments.models import AnswerRevision, State
from kakunin.audit.trail import record_view
from kakunin.core import jinja
from kakunin.core.text import form_errors


def _page(request, assessment, scope=None) -> page.Page:
    """What the gate decides once for this person's page: their answers, whether they
    judge and comment now, the buttons. An autosave knows the scope already and asks
    nothing more."""
    user = request.user
    if scope is not None:
        return page.Page.of(request, assessment, scope=scope)
    return page.Page.of(
        request,
        assessment,
        scope=access.answer_scope(user, assessment),
        can_review=assessment.state == State.IN_REVIEW and access.can_review(user, assessment),
        can_comment=access.can_comment(user, assessment),
        flags={
            "can_submit": access.can_submit(user, assessment),
            "can_review": access.can_review(user, assessment),
            "can_decide": access.can_decide(user, assessment),
            "can_manage": access.can_edit_system(user, assessment.system),
            "can_fill_library": access.can_fill_from_library(user, assessment),
        },
    )


def detail(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    record_view(request.user, assessment, assessment.system)
    return _detail_page(request, assessment)


def _detail_page(request, assessment, bound: AnswerForm | None = None, status=200):
    body = page.body(_page(request, assessment), bound, request.GET.get("forms", ""))
    everything = bound is not None or "all" in request.GET or "forms" in request.GET
    ctx = {
        "assessment": assessment,
        # Rendered, escaped, by our own templates (page.build_body).
        "main": jinja.safe(body.main),
        "sheet": page.sheet(body, everything),
    }
    return render(request, "assessments/detail.html", ctx, status=status)


def item_response(request, answer, **state):
    """The item again, and (out of band) its section's progress and the total."""
    ctx = page.item(_page(request, answer.assessment), answer, **state)
    return render(request, "assessments/_item_response.html", ctx)


def back_to_item(request, answer, **state):
    """After an action on one item (evidence, comment, verdict): the item again for
    htmx, or the page at the item for a plain form post."""
    if request.htmx:
        return item_response(request, answer, forms=True, **state)
    return redirect(
        reverse("assessments:detail", args=[answer.assessment_id]) + f"#item-{answer.item.key}"
    )


@require_POST
def save_item(request, pk: int, key: str):
    answer, scope = access.answer_to_edit(request, pk, key)
    assessment = answer.assessment
    form = AnswerForm(request.POST, answer=answer)
    saved = False
    if form.is_valid():
        values = {f: form.cleaned_data[f] for f in ("status", "text", "plan", "target_date")}
        try:
            saved = actions.update_answer(
                actor=request.user,
                answer=answer,
                values=values,
                expected_version=form.cleaned_data["version"],
                source=AnswerRevision.Source.WEB,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except (actions.StaleAnswer, actions.AnswerLocked) as exc:
            form.add_error(None, str(exc))
    ok, number = form.is_valid(), answer.item.number
    if request.htmx:
        errors = form_errors(form)
        ctx = page.autosave(_page(request, assessment, scope), answer, saved=saved, errors=errors)
        # A fragment: no site header, so none of the context processors' questions.
        return HttpResponse(render_to_string("assessments/_autosave.html", ctx))
    if not ok:
        messages.error(request, _("No.%(n)s の回答を保存できませんでした。") % {"n": number})
        return _detail_page(request, assessment, bound=form, status=400)
    messages.success(request, _("No.%(n)s の回答を保存しました。") % {"n": number})
    return redirect(reverse("assessments:detail", args=[assessment.pk]) + f"#item-{key}")


@require_POST
def copy(request, pk: int, key: str):
    """ "Same as item N" (2~68, 4~41~69, 5~42, 28/30~70): copy the related item's answer."""
    answer = access.get_rw_answer_for_user(request, pk, key)
    source_key = request.POST.get("source", "")
    if source_key not in answer.item.related:
        raise Http404
    source = get_object_or_404(
        answer.assessment.answers.select_related("item"), item__key=source_key
    )
    number = source.item.number
    state: dict = {}
    try:
        if not actions.copy_answer(actor=request.user, answer=answer, source=source):
            state["unchanged"] = _("No.%(n)s と同じ回答です（変更なし）。") % {"n": number}
        else:
            state["saved"] = True
    except actions.NothingToCopy:
        state["failed"] = True
        state["action_error"] = _("No.%(n)s は適用外か未回答のため、写せる回答がありません。") % {
            "n": number
        }
    except (ValidationError, actions.AnswerLocked) as exc:
        state["failed"] = True
        state["action_error"] = " ".join(getattr(exc, "messages", [str(exc)]))
    if request.htmx:
        return item_response(request, answer, **state)
    if state.get("failed"):
        messages.error(request, state["action_error"])
    elif state.get("saved"):
        messages.success(request, _("No.%(n)s の回答を保存しました。") % {"n": answer.item.number})
    else:
        messages.info(request, state["unchanged"])
    return redirect(reverse("assessments:detail", args=[pk]) + f"#item-{key}")


@require_POST
def confirm(request, pk: int, key: str):
    """The answer taken over from last year still holds: confirm it as this year's."""
    answer = access.get_rw_answer_for_user(request, pk, key)
    try:
        actions.confirm_carried(actor=request.user, answer=answer)
    except actions.AnswerLocked as exc:
        messages.error(request, str(exc))
    if request.htmx:
        return item_response(request, answer, saved=True)
    return redirect(reverse("assessments:detail", args=[pk]) + f"#item-{key}")


@require_GET
def item(request, pk: int, key: str):
    assessment = access.get_assessment_for_user(request, pk)
    if not request.htmx:
        return redirect(reverse("assessments:detail", args=[assessment.pk]) + f"#item-{key}")
    # From the item's link: the item with its evidence and comment forms.
    answer = assessment.answers.select_related("item", "updated_by").filter(item__key=key).first()
    if answer is None:
        raise Http404
    answer.assessment = assessment
    return item_response(request, answer, forms="open")


@require_GET
def section(request, pk: int, index: int):
    """A later section's items, for the page as it scrolls (htmx); without htmx, the
    whole page at that section."""
    assessment = access.get_assessment_for_user(request, pk)
    record_view(request.user, assessment, assessment.system)
    parts = page.body(_page(request, assessment)).parts
    if not 0 <= index < len(parts):
        raise Http404
    if not request.htmx:
        url = reverse("assessments:detail", args=[assessment.pk])
        return redirect(f"{url}?all=1#{parts[index].dom_id}")
    return HttpResponse(parts[index].rows)


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
    step = access.step(request.user, assessment, "submit")
    workflow.take(request, assessment, step, request.POST)
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


@require_POST
def create(request, pk: int):
    """A new assessment of the system `pk` (the form is on the system's page)."""
    system = access.get_rw_system_for_user(request, pk)
    form = AssessmentCreateForm(request.POST, system=system)
    if not form.is_valid():
        for error in form_errors(form):
            messages.error(request, error)
        return redirect("systems:detail", system.pk)
    assessment = actions.create_assessment(actor=request.user, system=system, **form.action_args())
    if form.cleaned_data.get("due_date"):
        actions.set_due_date(
            actor=request.user, assessment=assessment, due_date=form.cleaned_data["due_date"]
        )
    messages.success(request, _("確認票を作成しました。"))
    return redirect("assessments:detail", assessment.pk)
