from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kakunin import access
from kakunin.assessments import workflow
from kakunin.assessments.models import State
from kakunin.assessments.page import attach_details
from kakunin.assessments.sheet import build_sheet
from kakunin.assessments.views import back_to_item
from kakunin.assessments.workflow import TransitionRefused
from kakunin.core.text import BIDI_MESSAGE, form_errors
from kakunin.reviews import actions
from kakunin.reviews.forms import CommentForm, VerdictForm
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


def _step(request, pk: int, name: str):
    """A step of the assessment from its page (the table in reviews/steps.py)."""
    assessment = access.get_assessment_for_user(request, pk)
    step = access.step(request.user, assessment, name)
    result = workflow.take(request, assessment, step, request.POST)
    return redirect("assessments:detail", getattr(result, "pk", assessment.pk))


@require_POST
def start(request, pk: int):
    return _step(request, pk, "start_review")


@require_POST
def mark_ok(request, pk: int):
    return _step(request, pk, "mark_ok")


@require_POST
def return_view(request, pk: int):
    return _step(request, pk, "return")


@require_POST
def approve(request, pk: int):
    return _step(request, pk, "approve")


@require_POST
def new_revision(request, pk: int):
    return _step(request, pk, "new_revision")


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
