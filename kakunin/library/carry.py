"""The yearly carry-forward and the answer library (registered in apps.py): an answer
carried from last year that the library wrote, and that nobody changed since, is
carried with the library's newer approved version where the entry has one (still
to be confirmed, as every carried answer is), and says so; otherwise where it came
from is carried with it."""

from django.utils import timezone

from kakunin.assessments.actions import replace_carried
from kakunin.assessments.models import AnswerRevision
from kakunin.audit.trail import record
from kakunin.library.composing import compose
from kakunin.library.models import Entry, FilledFrom


def prefer_newer_entries(assessment, carried, actor) -> None:
    new_of = {old.pk: (new, old) for new, old in carried}
    latest: dict[int, list[FilledFrom]] = {}
    sources = FilledFrom.objects.filter(answer_id__in=list(new_of)).select_related(
        "entry__control", "control"
    )
    for source in sources.order_by("answer_id", "-filled_at", "pk"):
        mine = latest.setdefault(source.answer_id, [])
        if not mine or mine[0].filled_at == source.filled_at:
            mine.append(source)
    renewed, now = [], timezone.now()
    for old_id, rows in latest.items():
        new, old = new_of[old_id]
        if old.version != rows[0].answer_version:
            continue  # changed by hand after the fill: last year's words are the vendor's own
        entries = _newer(rows)
        if entries:
            replace_carried(
                new, compose(entries), actor=actor, source=AnswerRevision.Source.LIBRARY
            )
            renewed.append(new.item.shown_number)
            carried_over = [
                FilledFrom(answer=new, entry=e, product=r.product, control=r.control, entry_version=e.version,
                           condition=e.condition, answer_version=new.version, filled_by=actor,
                           filled_at=now, on_carry=True)
                for e, r in zip(entries, rows, strict=True)
            ]  # fmt: skip
        else:
            carried_over = [
                FilledFrom(answer=new, entry=r.entry, product=r.product, control=r.control,
                           entry_version=r.entry_version, condition=r.condition,
                           answer_version=new.version, filled_by=r.filled_by, filled_at=r.filled_at)
                for r in rows
            ]  # fmt: skip
        FilledFrom.objects.bulk_create(carried_over)
    if renewed:
        record("library.carry", assessment, actor=actor, changes={"items": [None, renewed]})


def _newer(rows: list[FilledFrom]) -> list[Entry]:
    """The entries that wrote the answer, when every one is still there and approved
    and one has a newer version; else none."""
    entries = [r.entry for r in rows]
    present = [e for e in entries if e is not None and e.state == Entry.State.APPROVED]
    if len(present) < len(entries):
        return []
    newer = any(e.version > r.entry_version for e, r in zip(present, rows, strict=True))
    return present if newer else []
