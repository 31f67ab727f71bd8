"""The assessment page: building it, keeping it and filling it.

- attach_details(): what changed since the last submission and since the assessment
  this one was carried from, and what the apps above assessments attach to the rows
  (`row.details`: evidence files, the comments, the automated check, the inventory).
  Those apps register a provider with register_details() from their
  AppConfig.ready(): assessments knows none of them, and each provider reads its data
  for the rows given (the whole sheet, or one row) at once.
- rows(): the sheet as one person sees it, each editable row with its inline form.
- render(): the item blocks, through Jinja2 (jinja2/assessments/item.html).
- body(): the sheet of one person's page, rendered, kept until the next change
  (audit/stamp.py); sheet(): its sections, the later ones deferred.
- item(): one item block again with the progress; autosave(): what answers a save as
  one types. Both build the one row, never the sheet.

The views decide who may do what (kakunin/access.py), once, and pass it in (Page).
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db.models import Count, Max, Sum
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from kakunin.assessments.forms import AnswerFields, AnswerForm, DueDateForm, status_choices
from kakunin.assessments.models import (
    ANSWER_MAX_LENGTH,
    Answer,
    AnswerRevision,
    AnswerScope,
    Assessment,
    Status,
    Verdict,
)
from kakunin.assessments.sheet import Row, Section, build_row, build_sheet, progress, totals
from kakunin.audit import stamp
from kakunin.core import jinja


@dataclass(frozen=True)
class Window:
    """Between the submission before the latest and the latest one: what the latest changed."""

    after: object  # datetime, exclusive
    until: object  # datetime, inclusive

    def holds(self, at) -> bool:
        return at is not None and self.after < at <= self.until


# provider(assessment, rows by answer id, the latest submission's window or None)
Provider = Callable[[Assessment, dict[int, Row], Window | None], None]
PROVIDERS: list[Provider] = []


def register_details(provider: Provider) -> None:
    """Have `provider` attach its details to the rows of every page built."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def attach_details(assessment: Assessment, sections: list[Section]) -> None:
    """A few queries for the whole sheet, whatever its size."""
    rows = {r.answer.pk: r for s in sections for r in s.rows}
    window = _answers_since_last_submission(assessment, rows)
    for provider in PROVIDERS:
        provider(assessment, rows, window)
    if assessment.previous is not None:
        old = {
            key: (status, text)
            for key, status, text in assessment.previous.answers.values_list(
                "item__key", "status", "text"
            )
        }
        for row in rows.values():
            if row.item.key in old and old[row.item.key] != (row.answer.status, row.answer.text):
                row.changed_since_previous = True


def _answers_since_last_submission(assessment: Assessment, rows: dict[int, Row]) -> Window | None:
    """Mark each answer the latest submission changed (status, text, plan, date) with
    the revision submitted before it; return the window between the two submissions."""
    submissions = list(assessment.submissions.order_by("-round")[:2])
    if len(submissions) < 2:
        return None
    latest, before = submissions
    changed = {
        int(pk): v
        for pk, v in before.versions.items()
        if latest.versions.get(pk) != v and int(pk) in rows
    }
    for pk in changed:
        # Version 0 is "not yet answered": it has no stored revision.
        rows[pk].submitted_before = AnswerRevision(answer_id=pk, version=0)
    for rev in AnswerRevision.objects.filter(answer_id__in=changed):
        if rev.version == changed[rev.answer_id]:
            rows[rev.answer_id].submitted_before = rev
    return Window(before.submitted_at, latest.submitted_at)


@dataclass
class Page:
    """What holds for every item block of one page, decided once by the view: whose
    answers this person writes (`scope`), whether they judge and comment now, and what
    they may do with the assessment as a whole (`flags`: the buttons)."""

    assessment: Assessment
    csrf_token: str
    who: int = 0  # the person's id: what is kept is kept per person
    scope: AnswerScope = AnswerScope.NONE
    can_review: bool = False
    can_comment: bool = False
    flags: dict = field(default_factory=dict)
    max_length: int = ANSWER_MAX_LENGTH
    verdict_labels: dict = field(
        default_factory=lambda: {str(v): str(lb) for v, lb in Verdict.choices}
    )

    @property
    def carried_label(self) -> str:
        return self.assessment.carried_label

    @property
    def verdicts(self) -> list[tuple[str, str]]:
        return list(self.verdict_labels.items())

    @classmethod
    def of(cls, request, assessment: Assessment, **decided) -> "Page":
        # One CSRF token for the page's forms, read once: masking one for every form of
        # every item (about 250 a page) took a third of the page's time.
        return cls(assessment, get_token(request), request.user.pk, **decided)


def _fill(rows_to_fill, bound: AnswerForm | None) -> None:
    """Each editable row's inline form: its answer's values, or the failed form's."""
    choices: dict[str, list] = {}
    for row in rows_to_fill:
        if bound is not None and bound.prefix == row.item.key:
            row.form = AnswerFields.of_form(bound)
        elif row.editable:
            kind = row.item.answered_by
            choices.setdefault(kind, status_choices(row.item))
            row.form = AnswerFields.of(row.answer, choices[kind])


def rows(assessment: Assessment, scope: AnswerScope, bound: AnswerForm | None = None):
    """The sections as this person sees them: each row with its details and, where
    editable, its inline form's values. `bound` is a form that failed: its row shows
    what was typed, with the errors."""
    sections = build_sheet(assessment, scope)
    attach_details(assessment, sections)
    _fill([row for section in sections for row in section.rows], bound)
    return sections


def one_row(decided: Page, answer: Answer) -> Row:
    """One item's row as the page shows it, with its details and its form."""
    row = build_row(decided.assessment, decided.scope, answer)
    attach_details(decided.assessment, [Section(0, row.item.section, [row])])
    _fill([row], None)
    return row


def render(page: Page, rows_to_render: list[Row], **state) -> None:
    """Set row.html for each row. Jinja2 autoescapes everything it writes: the result
    is safe HTML for the Django template the rows go into."""
    template = jinja.for_language().get_template("assessments/item.html")
    for row in rows_to_render:
        row.html = jinja.safe(template.render(page=page, row=row, **state))


# --- the page, kept and filled ---------------------------------------------------

# Where the CSRF token goes in item blocks kept between requests (not a token's alphabet).
CSRF_SLOT = "{csrf-slot}"

# The page carries the items of its first sections up to this many; each later
# section is asked for (htmx, the trigger "near" of static/js/kakunin.js) when it
# comes within a screen of the window, and all come at once with ?all=1. All 83
# items with 300-character answers were 357 KB of HTML on every visit.
INLINE_ITEMS = 24


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


def _conflict(row: Row) -> bool:
    """Answered 対応済, found 不適合 by the latest automated check."""
    scan = row.details.get("scan")
    return bool(scan and scan.verdict == "fail" and row.answer.status == Status.DONE)


def build_body(decided: Page, bound: AnswerForm | None = None, forms_for: str = "") -> Body:
    """The whole sheet, rendered. `forms_for`: the item whose evidence and comment forms
    show (the page without JavaScript, from the item's link); the others show the link."""
    assessment = decided.assessment
    sections = rows(assessment, decided.scope, bound)
    all_rows = [row for section in sections for row in section.rows]
    render(decided, [row for row in all_rows if row.item.key != forms_for])
    render(decided, [row for row in all_rows if row.item.key == forms_for], forms="open")
    answered, applicable = totals(sections)

    def links(condition) -> list[Link]:
        return [Link(r.dom_id, r.item.number) for r in all_rows if condition(r)]

    body = Body(
        toc=render_to_string("assessments/_sections.html", {"sections": sections}),
        parts=[_part(assessment, index, section) for index, section in enumerate(sections)],
        answered=answered,
        applicable=applicable,
        can_answer=any(r.editable for r in all_rows),
        carried=sum(1 for r in all_rows if r.answer.carried),
        unjudged=sum(1 for r in all_rows if r.applies and not r.answer.verdict),
        returned=links(lambda r: r.answer.verdict in (Verdict.FIX, Verdict.QUESTION)),
        # Written (an imported ward's form has no status column) but not yet given a status.
        needs_status=links(lambda r: r.applies and r.answer.text.strip() and not r.answer.status),
        scan_conflicts=links(_conflict),
    )
    ctx = {
        **decided.flags,
        **{f: getattr(body, f) for f in ("answered", "applicable", "can_answer", "carried",
                                         "unjudged", "returned", "needs_status", "scan_conflicts")},
        "assessment": assessment,
        "due_form": DueDateForm(initial={"due_date": assessment.due_date}),
        "csrf_token": decided.csrf_token,
    }  # fmt: skip
    body.main = render_to_string("assessments/_detail_main.html", ctx)
    return body


def body(decided: Page, bound: AnswerForm | None = None, forms_for: str = "") -> Body:
    """The sheet of this person's page. Without a failed form to show, it stands
    until the next change anywhere (audit/stamp.py): kept per person, with a slot
    for the CSRF token, which is this request's own."""
    if bound is not None or forms_for:
        return build_body(decided, bound, forms_for)
    assessment = decided.assessment
    # Kept under the newest change other than an answer edit, and this assessment's
    # answers as they are now: one vendor typing leaves every other page kept.
    answers = assessment.answers.aggregate(
        edits=Sum("version"), last=Max("updated_at"), n=Count("pk"), head=stamp.OTHERS
    )
    head = answers.pop("head")
    head = stamp.short(head) if answers["n"] else stamp.others()  # (no rows: no head either)
    parts = ("assessment-page", assessment.pk, decided.who, decided.scope.value, decided.can_review,
             decided.can_comment, tuple(decided.flags.values()), tuple(answers.values()))  # fmt: skip
    kept = stamp.cached(head, parts, lambda: build_body(replace(decided, csrf_token=CSRF_SLOT)))
    # A copy with this request's token: the kept body is shared (stamp.cached).
    token = decided.csrf_token
    return replace(
        kept,
        main=kept.main.replace(CSRF_SLOT, token),
        parts=[replace(part, rows=part.rows.replace(CSRF_SLOT, token)) for part in kept.parts],
    )


def sheet(kept: Body, everything: bool) -> SafeString:
    """The sections of the page: the first ones whole, the later ones as a link that
    htmx follows when it comes near the window (and when an anchor points into it)."""
    out, shown = [kept.toc], 0
    for index, part in enumerate(kept.parts):
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


def item(decided: Page, answer: Answer, **state) -> dict:
    """One item block again, and (out of band) its section's progress and the total:
    the context of assessments/_item_response.html."""
    row = one_row(decided, answer)
    render(decided, [row], **state)
    counted = progress(decided.assessment)
    return {
        "row": row,
        "section": counted.sections[row.item.section],
        "answered": counted.answered,
        "applicable": counted.applicable,
        "oob": True,
    }


def autosave(decided: Page, answer: Answer, *, saved: bool, errors: list[str]) -> dict:
    """The answer to a save as one types: the page keeps its text box; only the saved
    state, the version, the errors and the progress change (out of band). The context of
    assessments/_autosave.html: one row, never the sheet."""
    row = build_row(decided.assessment, decided.scope, answer)
    template = jinja.for_language().get_template("assessments/autosave.html")
    counted = progress(decided.assessment)
    return {
        "oob_html": jinja.safe(template.render(row=row, saved=saved, ok=not errors, errors=errors)),
        "section": counted.sections[row.item.section],
        "answered": counted.answered,
        "applicable": counted.applicable,
        "oob": True,
    }
