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
    # What the page adds (kakunin/assessments/page.py): the export needs none of it.
    form: object = None  # the inline form's fields, where the page shows one
    evidence: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    submitted_before: object = None  # the revision submitted the round before, if it differs
    evidence_added: list = field(default_factory=list)  # since the submission before
    evidence_removed: list = field(default_factory=list)
    new_comments: list = field(default_factory=list)
    changed_since_previous: bool = False  # differs from the assessment it was carried from
    scan: object = None  # the automated check of the item (scans.results.ItemScan), if any
    inventory: object = None  # items 66, 67, 72: the system's software (inventory.details)
    html: str = ""  # the rendered block, set by the view

    @property
    def dom_id(self) -> str:
        return f"item-{self.item.key}"

    @property
    def changed_since_submission(self) -> bool:
        """Anything new in the latest submission: the answer, its evidence, its thread."""
        return bool(
            self.submitted_before is not None
            or self.evidence_added
            or self.evidence_removed
            or self.new_comments
        )


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


def build_sheet(assessment: Assessment, scope: AnswerScope = AnswerScope.NONE) -> list[Section]:
    """Every item of the assessment's template, in order, with its answer.

    Every item has an answer row (made with the assessment), so the answers
    alone, with their items joined, give the whole sheet in one query.
    """
    template = assessment.template
    answers = list(assessment.answers.select_related("item", "updated_by").order_by("item__number"))
    numbers = {a.item.key: a.item.number for a in answers}
    applies = {a.item.key: template.evaluate(a.item, assessment.system) for a in answers}
    # "Same as item N" is offered only where item N applies and has an answer to copy.
    copyable = {a.item.key for a in answers if applies[a.item.key].applies and (a.status or a.text)}
    sections: list[Section] = []
    for answer in answers:
        item = answer.item
        item.template = template  # already loaded: spare a query per item
        if not sections or sections[-1].name != item.section:
            sections.append(Section(len(sections) + 1, item.section))
        verdict = applies[item.key]
        sections[-1].rows.append(
            Row(
                item,
                answer,
                verdict.applies,
                verdict.reasons,
                scope.may_edit(assessment, answer, verdict.applies),
                related=[(key, numbers[key]) for key in item.related],
                copy_from=[(key, numbers[key]) for key in item.related if key in copyable],
            )
        )
    return sections


def totals(sections: list[Section]) -> tuple[int, int]:
    """(answered, applicable) over the whole assessment."""
    return sum(s.answered for s in sections), sum(s.applicable for s in sections)
