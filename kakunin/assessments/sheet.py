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
    # What the page adds (attach_details): the export does not need them.
    form: object = None  # the inline form's fields, where the page shows one
    evidence: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    submitted_before: object = None  # the revision submitted the round before, if it differs
    evidence_added: list = field(default_factory=list)  # since the submission before
    evidence_removed: list = field(default_factory=list)
    new_comments: list = field(default_factory=list)
    changed_since_previous: bool = False  # differs from the assessment it was carried from
    scan: object = None  # the automated check of the item (scans.results.ItemScan), if any
    urls: dict = field(default_factory=dict)
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
                scope.allows(item, verdict.applies) and assessment.is_open_for(answer),
                related=[(key, numbers[key]) for key in item.related],
            )
        )
    return sections


def attach_details(assessment: Assessment, sections: list[Section]) -> None:
    """Evidence, comments, what changed since the last submission and since the
    assessment this one was carried from: a few queries for the whole sheet."""
    from kakunin.evidence.models import Evidence
    from kakunin.reviews.models import Comment
    from kakunin.scans.results import by_item

    rows = {r.answer.pk: r for s in sections for r in s.rows}
    # The latest scan of the system; for an approved assessment, the one it was approved on.
    scans = by_item(assessment.system, before=assessment.approved_at)
    for row in rows.values():
        row.scan = scans.get(row.item.key)

    for ev in Evidence.objects.filter(
        answer__assessment=assessment, removed_at__isnull=True
    ).select_related("uploaded_by"):
        rows[ev.answer_id].evidence.append(ev)
    for c in Comment.objects.filter(answer__assessment=assessment).select_related("author"):
        rows[c.answer_id].comments.append(c)
    _since_last_submission(assessment, rows)
    if assessment.previous_id:
        old = {
            key: (status, text)
            for key, status, text in assessment.previous.answers.values_list(
                "item__key", "status", "text"
            )
        }
        for row in rows.values():
            if row.item.key in old and old[row.item.key] != (row.answer.status, row.answer.text):
                row.changed_since_previous = True


def _since_last_submission(assessment: Assessment, rows: dict[int, Row]) -> None:
    """What the latest submission changed against the one before, item by item: the
    answer (status, text, plan, date), evidence added or removed, comments written."""
    from kakunin.assessments.models import AnswerRevision
    from kakunin.evidence.models import Evidence

    submissions = list(assessment.submissions.order_by("-round")[:2])
    if len(submissions) < 2:
        return
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
    window = {"gt": before.submitted_at, "lte": latest.submitted_at}
    files = Evidence.objects.filter(answer__assessment=assessment).select_related("uploaded_by")
    for ev in files.filter(uploaded_at__gt=window["gt"], uploaded_at__lte=window["lte"]):
        if ev.removed_at is None or ev.removed_at > window["lte"]:
            rows[ev.answer_id].evidence_added.append(ev)
    for ev in files.filter(removed_at__gt=window["gt"], removed_at__lte=window["lte"]):
        if ev.uploaded_at <= window["gt"]:
            rows[ev.answer_id].evidence_removed.append(ev)
    for row in rows.values():
        row.new_comments = [c for c in row.comments if window["gt"] < c.created_at <= window["lte"]]


def totals(sections: list[Section]) -> tuple[int, int]:
    """(answered, applicable) over the whole assessment."""
    return sum(s.answered for s in sections), sum(s.applicable for s in sections)
