"""What the library would write, worked out before anything is written.

- offers(): for an assessment, the items whose controls the chosen entries answer,
  each with the answer those entries make together (several controls: each entry
  under its control's title, in the item's order), what the item asks that the
  library does not answer, and what to warn about (a review-by date passed, a
  certificate expired, a condition).
- proposals(): for the library, what an answered assessment says about each control
  its items ask about (the first item that answers it, by the form's order).
"""

import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kakunin.assessments.models import Answer, AnswerScope, Assessment, Status
from kakunin.catalog.models import Control, Item, controls_of
from kakunin.library.models import Entry, EntryFile, Product

# The weakest status of the entries an item combines (該当なし counts only alone).
_RANK = {Status.NOT_DONE: 0, Status.PARTIAL: 1, Status.DONE: 2}


def condition_line(condition: str) -> str:
    return _("（条件: %(condition)s）") % {"condition": condition}


def heading(control: Control) -> str:
    return f"【{control.title}】"


def compose(entries: list[Entry]) -> dict:
    """The answer the entries make together: status, text and plan."""

    def said(entry: Entry, field: str) -> str:
        text = getattr(entry, field).strip()
        if field == "text" and entry.conditional and entry.condition:
            text = f"{text}\n{condition_line(entry.condition)}"
        return text

    def joined(field: str) -> str:
        parts = [(e, said(e, field)) for e in entries]
        if len(entries) == 1:
            return parts[0][1]
        return "\n\n".join(f"{heading(e.control)}\n{text}" for e, text in parts if text)

    return {"status": combined_status([e.status for e in entries]), "text": joined("text"),
            "plan": joined("plan")}  # fmt: skip


def combined_status(statuses: list[str]) -> str:
    real = [s for s in statuses if s != Status.NOT_APPLICABLE]
    if not real:
        return Status.NOT_APPLICABLE
    if len(set(real)) == 1:
        return real[0]
    # Done for some controls and not for others: partly done.
    return (
        Status.PARTIAL if min(_RANK[Status(s)] for s in real) < _RANK[Status.DONE] else Status.DONE
    )


@dataclass
class Offer:
    answer: Answer
    item: Item
    entries: list[Entry]
    missing: list[Control]
    values: dict
    warnings: list[str]
    files: list[EntryFile] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Status(self.values["status"]).label)

    @property
    def unchanged(self) -> bool:
        """The answer already says what the library would write."""
        return all(getattr(self.answer, k) == v for k, v in self.values.items())


def offers(
    assessment: Assessment, entries: list[Entry], scope: AnswerScope, today=None
) -> list[Offer]:
    """The assessment's items that `entries` answer and this person may write now
    (`scope`), by the form's order."""
    today = today or timezone.localdate()
    by_control = {e.control.key: e for e in entries}
    answers = list(assessment.answers.select_related("item").order_by("item__number"))
    tags = controls_of(a.item_id for a in answers)
    titles = {
        c.key: c for c in Control.objects.filter(key__in={k for t in tags.values() for k in t})
    }
    files = _files_of(entries)
    found = []
    for answer in answers:
        mine = [by_control[k] for k in tags[answer.item_id] if k in by_control]
        if not mine:
            continue
        answer.assessment = assessment
        applies = assessment.template.evaluate(answer.item, assessment.system).applies
        if not scope.may_edit(assessment, answer, applies):
            continue
        missing = [titles[k] for k in tags[answer.item_id] if k not in by_control]
        kept = [f for e in mine for f in files.get(e.pk, [])]
        found.append(Offer(answer, answer.item, mine, missing, compose(mine),
                           _warnings(mine, kept, missing, today), kept))  # fmt: skip
    return found


def _files_of(entries: list[Entry]) -> dict[int, list[EntryFile]]:
    found: dict[int, list[EntryFile]] = {}
    kept = EntryFile.objects.filter(
        entry__in=[e.pk for e in entries], evidence__removed_at__isnull=True
    )
    for f in kept.select_related("evidence"):
        found.setdefault(f.entry_id, []).append(f)
    return found


def _warnings(
    entries: list[Entry], files: list[EntryFile], missing: list[Control], today
) -> list[str]:
    said = []
    for entry in entries:
        if entry.is_past_review(today):
            said.append(_("「%(c)s」の見直し期限（%(d)s）を過ぎています。") % {
                "c": entry.control.title, "d": date_format(entry.review_by or today)})  # fmt: skip
        if entry.conditional:
            said.append(_("「%(c)s」は条件付きの回答です: %(condition)s") % {
                "c": entry.control.title, "condition": entry.condition})  # fmt: skip
    for kept in files:
        if kept.has_expired(today):
            said.append(_("証跡「%(f)s」の有効期限（%(d)s）が切れています。") % {
                "f": kept.evidence.filename, "d": date_format(kept.valid_until or today)})  # fmt: skip
    if missing:
        said.append(_("この項目の観点のうち、回答マスタにないもの: %(c)s") % {
            "c": "、".join(c.title for c in missing)})  # fmt: skip
    return said


# --- From answers to entries ---------------------------------------------------------


@dataclass
class Proposal:
    control: Control
    values: dict
    items: list[str]
    current: Entry | None = None

    @property
    def kind(self) -> str:
        """new, changed or same (as the library says already)."""
        if self.current is None:
            return "new"
        same = all(getattr(self.current, k) == v for k, v in self.values.items())
        return "same" if same else "changed"


def as_json(found: list[Proposal]) -> list[dict]:
    return [{"control": p.control.key, "values": p.values, "items": p.items} for p in found]


def from_json(data: list[dict], product: Product) -> list[Proposal]:
    """Proposals kept with a staged file, against the library as it is now."""
    controls = {c.key: c for c in Control.objects.filter(key__in=[d["control"] for d in data])}
    current = {e.control.key: e for e in product.entries.select_related("control")}
    return [
        Proposal(controls[d["control"]], d["values"], d["items"], current.get(d["control"]))
        for d in data
        if d["control"] in controls
    ]


def as_filled(assessment: Assessment, changes) -> list[Answer]:
    """The assessment's answers as a filled Excel form would leave them (its changes,
    by item key), unsaved."""
    by_key = {c.key: c for c in changes}
    answers = list(assessment.answers.select_related("item"))
    for answer in answers:
        if (change := by_key.get(answer.item.key)) is not None:
            answer.status, answer.text, answer.plan = (
                change.new_status,
                change.new_text,
                change.new_plan,
            )
    return answers


def proposals(answers: list[Answer], product: Product) -> list[Proposal]:
    """What the answers say about each control their items ask about: the vendor's
    answers only (not the ward's, not unanswered, not 区で対応), the first item that
    answers a control deciding it, by the form's order. An answer the library wrote
    for several controls goes back to each under its own title."""
    answers = sorted(answers, key=lambda a: a.item.number)
    tags = controls_of(a.item_id for a in answers)
    controls = {
        c.key: c for c in Control.objects.filter(key__in={k for t in tags.values() for k in t})
    }
    current = {e.control.key: e for e in product.entries.select_related("control")}
    found: dict[str, Proposal] = {}
    for answer in answers:
        if (
            answer.item.is_ward_item
            or answer.status in ("", Status.WARD)
            or not answer.text.strip()
        ):
            continue
        mine = [controls[k] for k in tags[answer.item_id]]
        for control in mine:
            if control.key in found:
                found[control.key].items.append(answer.item.shown_number)
                continue
            values = {"status": answer.status, "text": section(answer.text, control, mine),
                      "plan": section(answer.plan, control, mine) if answer.plan else ""}  # fmt: skip
            found[control.key] = Proposal(
                control, values, [answer.item.shown_number], current.get(control.key)
            )
    return sorted(found.values(), key=lambda p: p.control.order)


def section(text: str, control: Control, controls: list[Control]) -> str:
    """The part of a combined answer under the control's title (the whole text when
    it has no such titles); a condition line the library added stays out."""
    marks = [heading(c) for c in controls]
    if len(controls) > 1 and heading(control) in text:
        pattern = "(" + "|".join(re.escape(m) for m in marks) + ")\n?"
        parts = re.split(pattern, text)
        for mark, body in zip(parts[1::2], parts[2::2], strict=False):
            if mark == heading(control):
                text = body
                break
    return text.strip()
