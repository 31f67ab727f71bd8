from dataclasses import dataclass, replace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Sum
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
from kakunin.assessments.models import AnswerRevision, State, Status, Verdict
from kakunin.assessments.sheet import totals
from kakunin.audit import stamp
from kakunin.audit.trail import record_view
from kakunin.core import jinja
from kakunin.core.text import form_errors

# Where the CSRF token goes in item blocks kept between requests (not a token's alphabet).
CSRF_SLOT = "{csrf-slot}"


def _page(request, assessment) -> page.Page:
    """What the gate decides once for all the item blocks of this person's page."""
    user = request.user
    return page.Page.of(
        request,
        assessment,
        can_review=assessment.state == State.IN_REVIEW and access.can_review(user, assessment),
        can_comment=access.can_comment(user, assessment),
    )


def _rows(request, assessment, bound=None):
    return page.rows(assessment, access.answer_scope(request.user, assessment), bound)


def detail(request, pk: int):
    assessment = access.get_assessment_for_user(request, pk)
    record_view(request.user, assessment, assessment.system)
    return _detail_page(request, assessment)


@dataclass
class Link:
    """An item named in a notice above the sheet (returned, no status, scan conflict)."""

    dom_id: str
    number: int


@dataclass
class Part:
    """One section of the sheet, rendered: its heading (with progress) and its items."""

    dom_id: str
    head: str
    rows: str
    keys: list[str]
    count: int
    deferred: str = ""  # what stands for the items until they come


# The page carries the items of its first sections up to this many; each later
# section is asked for (htmx, the trigger "near" of static/js/kakunin.js) when it
# comes within a screen of the window, and all come at once with ?all=1. All 83
# items with 300-character answers were 357 KB of HTML on every visit.
INLINE_ITEMS = 24


@dataclass
class Body:
    """The sheet of one person's page, rendered, and what the notices above it count."""

    toc: str
    parts: list[Part]
    answered: int
    applicable: int
    can_answer: bool
    carried: int
    unjudged: int
    returned: list[Link]
    needs_status: list[Link]
    scan_conflicts: list[Link]
    main: str = ""  # the page above the sheet: notices, progress, the actions


def _part(assessment, index: int, section) -> Part:
    part = Part(
        dom_id=section.dom_id,
        head=render_to_string("assessments/_section_head.html", {"section": section}),
        rows="".join(row.html for row in section.rows),
        keys=[row.item.key for row in section.rows],
        count=len(section.rows),
    )
    part.deferred = render_to_string(
        "assessments/_deferred.html", {"assessment": assessment, "index": index, "part": part}
    )
    return part


def _flags(user, assessment) -> dict[str, bool]:
    """What this person may do with the assessment as a whole (the buttons)."""
    return {
        "can_submit": access.can_submit(user, assessment),
        "can_review": access.can_review(user, assessment),
        "can_decide": access.can_decide(user, assessment),
        "can_manage": access.can_edit_system(user, assessment.system),
    }


def _build_body(
    assessment, scope, for_page: page.Page, bound, flags: dict, forms_for: str = ""
) -> Body:
    """`forms_for`: the item whose evidence and comment forms show (the page without
    JavaScript, from the item's link); the others show the link."""
    sections = page.rows(assessment, scope, bound)
    rows = [row for section in sections for row in section.rows]
    page.render(for_page, [row for row in rows if row.item.key != forms_for])
    page.render(for_page, [row for row in rows if row.item.key == forms_for], forms="open")
    answered, applicable = totals(sections)

    def links(condition) -> list[Link]:
        return [Link(r.dom_id, r.item.number) for r in rows if condition(r)]

    body = Body(
        toc=render_to_string("assessments/_sections.html", {"sections": sections}),
        parts=[_part(assessment, index, section) for index, section in enumerate(sections)],
        answered=answered,
        applicable=applicable,
        can_answer=any(r.editable for r in rows),
        carried=sum(1 for r in rows if r.answer.carried),
        unjudged=sum(1 for r in rows if r.applies and not r.answer.verdict),
        returned=links(lambda r: r.answer.verdict in (Verdict.FIX, Verdict.QUESTION)),
        # Written (an imported ward's form has no status column) but not yet given a status.
        needs_status=links(lambda r: r.applies and r.answer.text.strip() and not r.answer.status),
        # Answered 対応済, found 不適合 by the latest automated check.
        scan_conflicts=links(
            lambda r: r.scan and r.scan.verdict == "fail" and r.answer.status == Status.DONE
        ),
    )
    ctx = {
        **flags,
        **{f: getattr(body, f) for f in ("answered", "applicable", "can_answer", "carried",
                                         "unjudged", "returned", "needs_status", "scan_conflicts")},
        "assessment": assessment,
        "due_form": DueDateForm(initial={"due_date": assessment.due_date}),
        "csrf_token": for_page.csrf_token,
    }  # fmt: skip
    body.main = render_to_string("assessments/_detail_main.html", ctx)
    return body


def _body(request, assessment, bound: AnswerForm | None) -> Body:
    """The sheet of this person's page. Without a failed form to show, it stands
    until the next change anywhere (audit/stamp.py): kept per person, with a slot
    for the CSRF token, which is this request's own."""
    decided = _page(request, assessment)
    scope = access.answer_scope(request.user, assessment)
    flags = _flags(request.user, assessment)
    forms_for = request.GET.get("forms", "")
    if bound is not None or forms_for:
        return _build_body(assessment, scope, decided, bound, flags, forms_for)
    # Kept under the newest change other than an answer edit, and this assessment's
    # answers as they are now: one vendor typing leaves every other page kept.
    answers = assessment.answers.aggregate(
        edits=Sum("version"), last=Max("updated_at"), n=Count("pk"), head=stamp.OTHERS
    )
    head = answers.pop("head")
    head = stamp.short(head) if answers["n"] else stamp.others()  # (no rows: no head either)
    parts = ("assessment-page", assessment.pk, request.user.pk, scope.value, decided.can_review,
             decided.can_comment, tuple(flags.values()), tuple(answers.values()))  # fmt: skip
    body = stamp.cached(
        head,
        parts,
        lambda: _build_body(assessment, scope, replace(decided, csrf_token=CSRF_SLOT), None, flags),
    )
    # A copy with this request's token: the kept body is shared (stamp.cached).
    token = decided.csrf_token
    return replace(
        body,
        main=body.main.replace(CSRF_SLOT, token),
        parts=[replace(part, rows=part.rows.replace(CSRF_SLOT, token)) for part in body.parts],
    )


def _sheet(assessment, body: Body, everything: bool) -> str:
    """The sections of the page: the first ones whole, the later ones as a link that
    htmx follows when it comes near the window (and when an anchor points into it)."""
    out, shown = [body.toc], 0
    for index, part in enumerate(body.parts):
        out.append(
            f'<section class="section" id="{part.dom_id}" aria-labelledby="{part.dom_id}-title">'
        )
        out.append(part.head)
        if everything or index == 0 or shown + part.count <= INLINE_ITEMS:
            out.append(part.rows)
            shown += part.count
        else:
            out.append(part.deferred)
        out.append("</section>")
    # Every piece was rendered, escaped, by our templates (Django's and Jinja2's).
    return jinja.safe("".join(out))


def _detail_page(request, assessment, bound: AnswerForm | None = None, status=200):
    body = _body(request, assessment, bound)
    everything = bound is not None or "all" in request.GET or "forms" in request.GET
    ctx = {
        "assessment": assessment,
        # Rendered, escaped, by our own templates (_build_body).
        "main": jinja.safe(body.main),
        "sheet": _sheet(assessment, body, everything),
    }
    return render(request, "assessments/detail.html", ctx, status=status)


def item_response(request, assessment, key: str, bound=None, **state):
    """The item again, and (out of band) its section's progress and the total."""
    sections = _rows(request, assessment, bound)
    row, section = page.find(sections, key)
    page.render(_page(request, assessment), [row], **state)
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
        return item_response(request, answer.assessment, answer.item.key, forms=True, **state)
    return redirect(
        reverse("assessments:detail", args=[answer.assessment_id]) + f"#item-{answer.item.key}"
    )


def _autosave_response(request, assessment, key: str, form, saved: bool):
    """For saving as one types: the page keeps its text box; only the saved state,
    the version, the errors and the progress change (out of band)."""
    sections = _rows(request, assessment)
    row, section = page.find(sections, key)
    answered, applicable = totals(sections)
    errors = [] if form.is_valid() else [e for errs in form.errors.values() for e in errs]
    ctx = {
        "oob_html": page.autosave(row, saved=saved, errors=errors),
        "section": section,
        "answered": answered,
        "applicable": applicable,
        "oob": True,
    }
    return render(request, "assessments/_autosave.html", ctx)


@require_POST
def save_item(request, pk: int, key: str):
    answer = access.get_rw_answer_for_user(request, pk, key)
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
        return _autosave_response(request, assessment, key, form, saved)
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
        return item_response(request, answer.assessment, key, **state)
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
        return item_response(request, answer.assessment, key, saved=True)
    return redirect(reverse("assessments:detail", args=[pk]) + f"#item-{key}")


@require_GET
def item(request, pk: int, key: str):
    assessment = access.get_assessment_for_user(request, pk)
    if not request.htmx:
        return redirect(reverse("assessments:detail", args=[assessment.pk]) + f"#item-{key}")
    # From the item's link: the item with its evidence and comment forms.
    return item_response(request, assessment, key, forms="open")


@require_GET
def section(request, pk: int, index: int):
    """A later section's items, for the page as it scrolls (htmx); without htmx, the
    whole page at that section."""
    assessment = access.get_assessment_for_user(request, pk)
    record_view(request.user, assessment, assessment.system)
    parts = _body(request, assessment, None).parts
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
    workflow.take(request, assessment, "submit", step, request.POST)
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
