"""An assessment laid out as the form is: sections of rows, each an item with its answer.

The assessment page and the Excel export both read this, so that the web and
the spreadsheet always agree on what applies and what is answered.
"""

from dataclasses import dataclass, field

from kakunin.assessments.models import Answer, AnswerScope, Assessment
from kakunin.catalog.models import Item


@dataclass
class Row:
    item: Item
    answer: Answer
    applies: bool
    reasons: tuple[str, ...]
    editable: bool
    related: list[tuple[str, int]] = field(default_factory=list)  # (key, printed number)
    copy_from: list[tuple[str, int]] = field(default_factory=list)  # related, with an answer
    form_word: str = ""  # the PDF: the status in the form's own word, where it differs
    # What the page adds (kakunin/assessments/page.py): the export needs none of it.
    form: object = None  # the inline form's fields, where the page shows one
    submitted_before: object = None  # the revision submitted the round before, if it differs
    changed_since_previous: bool = False  # differs from the assessment it was carried from
    # What the apps above attach (page.register_details), by name: "evidence",
    # "evidence_added", "evidence_removed" (evidence), "comments", "new_comments"
    # (reviews), "scan" (scans), "inventory" (inventory). Templates read them by name.
    details: dict = field(default_factory=dict)
    # Set by a provider whose details changed in the latest submission (a file added, a
    # comment written since the submission before).
    new_since_submission: bool = False
    html: str = ""  # the rendered block

    @property
    def dom_id(self) -> str:
        return f"item-{self.item.key}"

    @property
    def changed_since_submission(self) -> bool:
        """Anything new in the latest submission: the answer, its evidence, its thread."""
        return self.submitted_before is not None or self.new_since_submission


@dataclass
class Section:
    index: int
    name: str
    rows: list[Row] = field(default_factory=list)

    @property
    def applicable(self) -> int:
        return sum(1 for r in self.rows if r.applies)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.applies and r.answer.is_answered)

    @property
    def dom_id(self) -> str:
        return f"section-{self.index}"


def _rows_of(assessment: Assessment, scope: AnswerScope, answers: list[Answer], wanted=None):
    """Rows of these answers, in their order (`wanted`: only the rows of these keys; the
    other answers are the related items they name)."""
    template = assessment.template
    numbers = {a.item.key: a.item.number for a in answers}
    applies = {a.item.key: template.evaluate(a.item, assessment.system) for a in answers}
    # "Same as item N" is offered only where item N applies and has an answer to copy.
    copyable = {a.item.key for a in answers if applies[a.item.key].applies and (a.status or a.text)}
    for answer in answers:
        item = answer.item
        if wanted is not None and item.key not in wanted:
            continue
        item.template = template  # already loaded: spare a query per item
        answer.assessment = assessment
        verdict = applies[item.key]
        yield Row(
            item,
            answer,
            verdict.applies,
            verdict.reasons,
            scope.may_edit(assessment, answer, verdict.applies),
            related=[(key, numbers[key]) for key in item.related if key in numbers],
            copy_from=[(key, numbers[key]) for key in item.related if key in copyable],
        )


def build_sheet(assessment: Assessment, scope: AnswerScope = AnswerScope.NONE) -> list[Section]:
    """Every item of the assessment's template, in order, with its answer.

    Every item has an answer row (made with the assessment), so the answers
    alone, with their items joined, give the whole sheet in one query.
    """
    answers = list(assessment.answers.select_related("item", "updated_by").order_by("item__number"))
    sections: list[Section] = []
    for row in _rows_of(assessment, scope, answers):
        if not sections or sections[-1].name != row.item.section:
            sections.append(Section(len(sections) + 1, row.item.section))
        sections[-1].rows.append(row)
    return sections


def build_row(assessment: Assessment, scope: AnswerScope, answer: Answer) -> Row:
    """One item's row, as build_sheet would lay it out, from its answer and those of
    the items it names as related (one query): never the whole sheet."""
    related = assessment.answers.select_related("item").filter(item__key__in=answer.item.related)
    answers = sorted([answer, *related], key=lambda a: a.item.number)
    return next(_rows_of(assessment, scope, answers, wanted={answer.item.key}))


@dataclass
class SectionCount:
    """A section's place on the page and its counts, without its rows (what
    _progress.html reads, as it reads a Section)."""

    index: int
    answered: int = 0
    applicable: int = 0

    @property
    def dom_id(self) -> str:
        return f"section-{self.index}"


@dataclass(frozen=True)
class Progress:
    """How far the answers are: over the whole assessment, and by section name."""

    answered: int
    applicable: int
    sections: dict[str, SectionCount]


def progress(assessment: Assessment) -> Progress:
    """The counts the page shows, from one query of the answers' statuses and their
    items' conditions: no rows are built."""
    template, system = assessment.template, assessment.system
    sections: dict[str, SectionCount] = {}
    rows = assessment.answers.order_by("item__number").values_list(
        "item__section", "item__condition", "status"
    )
    for name, condition, status in rows:
        counted = sections.setdefault(name, SectionCount(len(sections) + 1))
        if template.condition_holds(condition, system):
            counted.applicable += 1
            counted.answered += bool(status)
    return Progress(
        sum(c.answered for c in sections.values()),
        sum(c.applicable for c in sections.values()),
        sections,
    )


def totals(sections: list[Section]) -> tuple[int, int]:
    """(answered, applicable) over the whole assessment."""
    return sum(s.answered for s in sections), sum(s.applicable for s in sections)
