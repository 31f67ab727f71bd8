"""An assessment laid out as the form is: sections of rows, each an item with its answer.

The assessment page and the Excel export both read this, so that the web and
the spreadsheet always agree on what applies and what is answered.
"""

from dataclasses import dataclass, field

from kakunin.accounts.access import AnswerScope
from kakunin.assessments.models import Answer, Assessment
from kakunin.catalog.models import Item


@dataclass
class Row:
    item: Item
    answer: Answer
    applies: bool
    reasons: tuple[str, ...]
    editable: bool
    related: list[tuple[str, int]] = field(default_factory=list)  # (key, printed number)
    form: object = None  # an AnswerForm, where the page shows one
    save_url: str = ""
    history_url: str = ""
    html: str = ""  # the rendered block, set by the view

    @property
    def dom_id(self) -> str:
        return f"item-{self.item.key}"


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
    sections: list[Section] = []
    for answer in answers:
        item = answer.item
        item.template = template  # already loaded: spare a query per item
        if not sections or sections[-1].name != item.section:
            sections.append(Section(len(sections) + 1, item.section))
        verdict = template.evaluate(item, assessment.system)
        sections[-1].rows.append(
            Row(
                item,
                answer,
                verdict.applies,
                verdict.reasons,
                scope.allows(item, verdict.applies),
                related=[(key, numbers[key]) for key in item.related],
            )
        )
    return sections


def totals(sections: list[Section]) -> tuple[int, int]:
    """(answered, applicable) over the whole assessment."""
    return sum(s.answered for s in sections), sum(s.applicable for s in sections)
