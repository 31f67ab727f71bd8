"""The assessment page assembled: the sheet's rows with what each block shows.

- attach_details(): what changed since the last submission and since the assessment
  this one was carried from, and what the apps above assessments attach to the rows
  (evidence files, the comments, the automated check). Those apps register a
  provider with register_details() from their AppConfig.ready(): assessments knows
  none of them, and each provider reads its data for the whole sheet at once.
- rows(): the sheet as one person sees it, each editable row with its inline form.
- render(): the item blocks, through Jinja2 (jinja2/assessments/item.html).

The views decide who may do what (kakunin/access.py) and pass it in (Page).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import Http404
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString

from kakunin.assessments.forms import AnswerFields, AnswerForm, status_choices
from kakunin.assessments.models import (
    ANSWER_MAX_LENGTH,
    AnswerRevision,
    AnswerScope,
    Assessment,
    Verdict,
)
from kakunin.assessments.sheet import Row, Section, build_sheet
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
    """What holds for every item block of one page, decided once by the view."""

    assessment: Assessment
    csrf_token: str
    can_review: bool = False
    can_comment: bool = False
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
        return cls(assessment, get_token(request), **decided)


def rows(assessment: Assessment, scope: AnswerScope, bound: AnswerForm | None = None):
    """The sections as this person sees them: each row with its details and, where
    editable, its inline form's values. `bound` is a form that failed: its row shows
    what was typed, with the errors."""
    sections = build_sheet(assessment, scope)
    attach_details(assessment, sections)
    choices: dict[str, list] = {}
    for section in sections:
        for row in section.rows:
            if bound is not None and bound.prefix == row.item.key:
                row.form = AnswerFields.of_form(bound)
            elif row.editable:
                kind = row.item.answered_by
                choices.setdefault(kind, status_choices(row.item))
                row.form = AnswerFields.of(row.answer, choices[kind])
    return sections


def find(sections: list[Section], key: str) -> tuple[Row, Section]:
    for section in sections:
        for row in section.rows:
            if row.item.key == key:
                return row, section
    raise Http404


def render(page: Page, rows_to_render: list[Row], **state) -> None:
    """Set row.html for each row. Jinja2 autoescapes everything it writes: the result
    is safe HTML for the Django template the rows go into."""
    template = jinja.for_language().get_template("assessments/item.html")
    for row in rows_to_render:
        row.html = jinja.safe(template.render(page=page, row=row, **state))


def autosave(row: Row, *, saved: bool, errors: list[str]) -> SafeString:
    """The out-of-band pieces answering a save as one types (the text box stays)."""
    template = jinja.for_language().get_template("assessments/autosave.html")
    return jinja.safe(template.render(row=row, saved=saved, ok=not errors, errors=errors))
