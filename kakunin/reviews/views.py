from functools import partial

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.assessments.models import State
from kakunin.assessments.page import attach_details
from kakunin.assessments.sheet import build_sheet
from kakunin.assessments.views import back_to_item
from kakunin.assessments.workflow import TransitionRefused, tell_refused
from kakunin.core.text import BIDI_MESSAGE, form_errors
from kakunin.reviews import actions
from kakunin.reviews.forms import CommentForm, ReturnForm, VerdictForm
from kakunin.reviews.models import COMMENT_MAX_LENGTH


def _answer(request, pk: int, key: str, allowed):
    assessment = access.get_assessment_for_user(request, pk)
    access.require(allowed(request.user, assessment))
    answer = assessment.answers.select_related("item", "assessment").filter(item__key=key).first()
    if answer is None:
        raise Http404
    return answer


@require_POST
def comment(request, pk: int, key: str):
    answer = _answer(request, pk, key, access.can_comment)
    form = CommentForm(request.POST)
    if not form.is_valid():
        errors = form_errors(form, "body")
        message = " ".join(e for e in errors if e == str(BIDI_MESSAGE)) or _(
            "コメントを%(n)d文字以内で入力してください。"
        ) % {"n": COMMENT_MAX_LENGTH}
        return back_to_item(request, answer, comment_error=message)
    actions.add_comment(actor=request.user, answer=answer, body=form.cleaned_data["body"])
    return back_to_item(request, answer)


@require_POST
def verdict(request, pk: int, key: str):
    answer = _answer(request, pk, key, access.can_review)
    form = VerdictForm(request.POST)
    error = " ".join(form_errors(form, "comment")) or _("審査結果を選んでください。")
    if form.is_valid():
        try:
            actions.set_verdict(actor=request.user, answer=answer, **form.cleaned_data)
            error = ""
        except TransitionRefused as exc:
            error = str(exc)
    return back_to_item(request, answer, verdict_error=error)


def _transition(request, pk: int, allowed, action, done: str):
    assessment = access.get_assessment_for_user(request, pk)
    access.require(allowed(request.user, assessment))
    try:
        result = action(actor=request.user, assessment=assessment)
    except TransitionRefused as exc:
        tell_refused(request, exc)
        return redirect("assessments:detail", assessment.pk)
    messages.success(request, done)
    return redirect("assessments:detail", getattr(result, "pk", assessment.pk))


@require_POST
def start(request, pk: int):
    return _transition(
        request, pk, access.can_review, actions.start_review, _("審査を開始しました。")
    )


@require_POST
def mark_ok(request, pk: int):
    return _transition(
        request,
        pk,
        access.can_review,
        actions.mark_remaining_ok,
        _("審査結果のない項目を「適合」にしました。"),
    )


@require_POST
def return_view(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    access.require(access.can_decide(request.user, assessment))
    form = ReturnForm(request.POST)
    if not form.is_valid():
        for error in form_errors(form):
            messages.error(request, error)
        return redirect("assessments:detail", pk)
    return _transition(
        request,
        pk,
        access.can_decide,
        partial(actions.return_assessment, note=form.cleaned_data["note"]),
        _("差し戻しました。事業者に通知しました。"),
    )


@require_POST
def approve(request, pk: int):
    return _transition(
        request, pk, access.can_decide, actions.approve, _("承認しました。回答は確定しました。")
    )


@require_POST
def new_revision(request, pk: int):
    return _transition(
        request, pk, access.can_edit_system_of, actions.new_revision, _("新しい版を作成しました。")
    )


def review(request, pk: int):
    """The reviewer's view: what changed since the last submission, item by item."""
    assessment = access.get_assessment_for_user(request, pk)
    access.require(access.can_review(request.user, assessment))
    sections = build_sheet(assessment)
    attach_details(assessment, sections)
    rows = [r for s in sections for r in s.rows if r.applies]
    changed = [r for r in rows if r.changed_since_submission]
    ctx = {"assessment": assessment, "rows": rows, "changed": changed, "states": State}
    return render(request, "reviews/review.html", ctx)
