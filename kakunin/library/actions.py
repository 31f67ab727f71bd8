"""Changes to a vendor's answer library, and its answers put into assessments. Each
runs in one transaction with its audit event: the library's own changes in the
service's trail (no municipality reads them; the text itself is not in the event,
only its digest), a fill in the municipality's trail and in the library's history."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.assessments import actions as assessment_actions
from kakunin.assessments.models import (
    ANSWER_MAX_LENGTH,
    CONTROL_CHARACTERS,
    Answer,
    AnswerRevision,
    AnswerScope,
    Assessment,
)
from kakunin.audit.trail import record, record_many
from kakunin.catalog.models import Control
from kakunin.core.text import BIDI_CONTROLS, BIDI_MESSAGE
from kakunin.evidence import actions as evidence_actions
from kakunin.library import composing
from kakunin.library.composing import Offer, Proposal
from kakunin.library.models import (
    ENTRY_FIELDS,
    ENTRY_STATUSES,
    Entry,
    EntryFile,
    EntryRevision,
    FilledFrom,
    LibraryImport,
    Product,
    Use,
)
from kakunin.staging import actions as staging
from kakunin.tenants.active import activated


class FillRefused(Exception):
    """The library cannot fill this assessment as asked; nothing was written."""


def _digest(text: str) -> str:
    """The company's words in the service's trail: proof of a change, not the words."""
    return hashlib.sha256((text or "").encode()).hexdigest()[:16] if text else ""


def _in_the_services_trail():
    """The library is no municipality's: its changes go to the service's trail,
    whatever municipality the vendor person works in now."""
    return activated(None)


@transaction.atomic
def add_product(*, actor, name: str, versions: str = "", description: str = "") -> Product:
    product = Product(
        organisation=actor.organisation, name=name, versions=versions,
        description=description, created_by=actor,
    )  # fmt: skip
    product.full_clean()
    product.save()
    with _in_the_services_trail():
        record("library.product", product, actor=actor,
               changes={"name": [None, _digest(name)], "versions": [None, _digest(versions)]})  # fmt: skip
    return product


def change_product(*, actor, product: Product, values: dict) -> None:
    """Its name, versions or description changed (a form already checked them)."""
    with transaction.atomic(), _in_the_services_trail():
        # As stored (a ModelForm has already set the new values on the object).
        stored = Product.objects.select_for_update().get(pk=product.pk)
        before = {f: getattr(stored, f) for f in values}
        for field, value in values.items():
            setattr(product, field, value)
        product.save(update_fields=list(values))
        changes = {f: [_digest(before[f]), _digest(v)] for f, v in values.items() if before[f] != v}
        record("library.product", product, actor=actor, changes=changes)


def validate_entry(values: dict) -> None:
    """The rules every saved entry keeps, from the web, an assessment or the API."""
    errors: dict[str, object] = {}
    if values.get("status") not in dict(ENTRY_STATUSES):
        errors["status"] = _("対応状況を選んでください。")
    for field in ("text", "plan", "condition"):
        value = values.get(field) or ""
        if CONTROL_CHARACTERS.search(value):
            errors[field] = _("使えない制御文字が含まれています。")
        if BIDI_CONTROLS.search(value):
            errors[field] = BIDI_MESSAGE
        if len(value) > ANSWER_MAX_LENGTH:
            errors[field] = _("%(max)d文字以内で入力してください。") % {"max": ANSWER_MAX_LENGTH}
    if not (values.get("text") or "").strip():
        errors["text"] = _("回答を入力してください。")
    if values.get("conditional") and not (values.get("condition") or "").strip():
        errors["condition"] = _(
            "条件付き回答には、その回答が成り立つ条件（プラン・オプション・構成）を入力してください。"
        )
    if len(values.get("condition") or "") > 300:
        errors["condition"] = _("条件は300文字以内で入力してください。")
    if errors:
        raise ValidationError(errors)


def _clean(values: dict) -> dict:
    found = {f: values[f] for f in ENTRY_FIELDS if f in values}
    for field in ("text", "plan", "condition"):
        if isinstance(found.get(field), str):
            found[field] = found[field].replace("\r\n", "\n").replace("\r", "\n")
    if "conditional" in found and not found["conditional"]:
        found["condition"] = ""
    return found


def save_entries(
    *, actor, product: Product, changes: list[tuple[Control, dict]], source: str
) -> int:
    """New entries, or new versions of entries, all or none: each is a draft until the
    company approves it. Returns how many changed (an unchanged one is left as it is)."""
    for _control, values in changes:
        validate_entry(values)
    with transaction.atomic(), _in_the_services_trail():
        now, count, events = timezone.now(), 0, []
        current = {e.control_id: e for e in product.entries.select_for_update()}
        for control, values in changes:
            entry = current.get(control.pk)
            values = _clean(values)
            if entry is None:
                entry = Entry(product=product, control=control, written_by=actor, written_at=now,
                              **{"plan": "", "condition": "", "conditional": False, "review_by": None} | values)  # fmt: skip
                entry.save()
                before = {}
            else:
                before = entry.snapshot()
                if all(before[f] == v for f, v in values.items()):
                    continue
                for field, value in values.items():
                    setattr(entry, field, value)
                entry.version += 1
                entry.state, entry.approved_by, entry.approved_at = Entry.State.DRAFT, None, None
                entry.written_by, entry.written_at = actor, now
                entry.save()
            EntryRevision.objects.create(
                entry=entry, version=entry.version, changed_by=actor, changed_at=now,
                source=source[:100], **{f: getattr(entry, f) for f in ENTRY_FIELDS},
            )  # fmt: skip
            events.append(("library.entry", entry, _entry_changes(before, entry)))
            count += 1
        if events:
            record_many(events, actor=actor)
    return count


def _entry_changes(before: dict, entry: Entry) -> dict:
    """What changed, the texts as their digests: the trail proves a change without
    holding the company's words."""
    changes = {"version": [entry.version - 1 if before else None, entry.version]}
    for field in ENTRY_FIELDS:
        old, new = before.get(field), getattr(entry, field)
        if old != new:
            if field in ("text", "plan", "condition"):
                old, new = old and _digest(old), new and _digest(new)
            changes[field] = [old, new]
    return changes


def approve(*, actor, entries) -> int:
    """The company's approver (its administrator) approves drafts: from then on they
    fill assessments."""
    with transaction.atomic(), _in_the_services_trail():
        drafts = list(
            Entry.objects.select_for_update()
            .filter(pk__in=[e.pk for e in entries], state=Entry.State.DRAFT)
            .select_related("product", "control")
        )
        now = timezone.now()
        for entry in drafts:
            entry.state, entry.approved_by, entry.approved_at = Entry.State.APPROVED, actor, now
            entry.save(update_fields=["state", "approved_by", "approved_at"])
            entry.revisions.filter(version=entry.version).update(approved_by=actor, approved_at=now)
        record_many(
            [("library.approve", e, {"version": [None, e.version]}) for e in drafts], actor=actor
        )
    return len(drafts)


def add_file(*, actor, entry: Entry, upload, valid_until=None) -> EntryFile:
    """An evidence file of the entry: checked, malware-scanned and encrypted as every
    evidence file is (Refused with the reason; a refused file leaves nothing)."""
    with _in_the_services_trail():
        checked = evidence_actions.check_upload(actor=actor, upload=upload)
        evidence = evidence_actions.keep_evidence(actor=actor, checked=checked)
        with transaction.atomic():
            kept = EntryFile.objects.create(entry=entry, evidence=evidence, valid_until=valid_until)
            record("library.file", entry, actor=actor,
                   changes={"file": [None, evidence.filename], "sha256": [None, evidence.sha256]})  # fmt: skip
    return kept


def remove_file(*, actor, kept: EntryFile) -> None:
    with _in_the_services_trail(), transaction.atomic():
        evidence_actions.remove_evidence(actor=actor, evidence=kept.evidence)
        entry = kept.entry
        kept.delete()
        record("library.file", entry, actor=actor, changes={"file": [kept.evidence.filename, None]})


# --- Filling an assessment ------------------------------------------------------------


def fill(
    *, actor, assessment: Assessment, product: Product, scope: AnswerScope, entries, item=None
) -> int:
    """Answers of the assessment written from the chosen entries (their ids), with
    their evidence copied into the municipality's store and where each came from
    (`item`: that item's answer only, by its key).
    Raises FillRefused, with the reason, and writes nothing, when the assessment is
    not open to answers or an entry answers nothing this form asks (or may be
    answered by this person now). Returns how many answers changed."""
    if product.organisation_id != actor.organisation_id:  # the company's consent
        raise FillRefused(_("この回答マスタは、あなたの会社のものではありません。"))
    if assessment.state not in ("draft", "returned"):
        raise FillRefused(
            _("この確認票は%(state)sのため、回答マスタから記入できません。")
            % {"state": assessment.get_state_display()}
        )
    chosen = list(
        product.entries.filter(pk__in=list(entries), state=Entry.State.APPROVED).select_related(
            "control"
        )
    )
    if len(chosen) != len(set(entries)) or not chosen:
        raise FillRefused(_("選んだ回答マスタの項目が見つからないか、まだ承認されていません。"))
    offers = [o for o in composing.offers(assessment, chosen, scope) if item in (None, o.item.key)]
    used = {e.pk for offer in offers for e in offer.entries}
    if unasked := [e for e in chosen if e.pk not in used]:
        raise FillRefused(
            _("次の観点は、この確認票の様式が尋ねていないか、いま記入できる項目にありません: %(c)s")
            % {"c": "、".join(e.control.title for e in unasked)}
        )
    return _write(actor, assessment, product, offers)


def _write(actor, assessment, product, offers: list[Offer]) -> int:
    copies = []
    try:
        with transaction.atomic():
            edits: list[tuple[Answer, dict, int | None]] = [
                (o.answer, o.values, None) for o in offers
            ]
            changed = assessment_actions.update_answers(
                actor=actor, edits=edits, source=AnswerRevision.Source.LIBRARY
            )
            now = timezone.now()
            # The assessment changed: what its pages keep about it moves (details.py).
            Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)
            for offer in offers:
                offer.answer.refresh_from_db(fields=["version"])
                FilledFrom.objects.bulk_create(
                    FilledFrom(
                        answer=offer.answer, entry=e, product=str(product), control=e.control,
                        entry_version=e.version, condition=e.condition,
                        answer_version=offer.answer.version, filled_by=actor, filled_at=now,
                    )
                    for e in offer.entries
                )  # fmt: skip
                copies += _copy_files(actor, offer)
            labels = [o.item.shown_number for o in offers]
            record("library.fill", assessment, actor=actor, changes={
                "product": [None, str(product)],
                "entries": [None, sorted({f"{e.control.key} v{e.version}" for o in offers for e in o.entries})],
                "items": [None, labels],
            })  # fmt: skip
            Use.objects.create(
                product=product, kind=Use.Kind.FILL, municipality=assessment.system.municipality.name,
                municipality_code=assessment.system.municipality.code,
                system=assessment.system.name, assessment=str(assessment.phase_label),
                entries=len({e.pk for o in offers for e in o.entries}), items=", ".join(labels), actor=actor,
            )  # fmt: skip
    except Exception:
        for evidence in copies:
            evidence_actions.forget_file(evidence)
        raise
    return changed


def _copy_files(actor, offer: Offer) -> list:
    """The entries' files, copied into the municipality's evidence of the answer (a file
    the answer already holds, by its SHA-256, is not copied twice)."""
    held = set(
        offer.answer.evidence.filter(removed_at__isnull=True).values_list("sha256", flat=True)
    )
    copies = []
    for kept in offer.files:
        if kept.evidence.sha256 not in held:
            copies.append(
                evidence_actions.copy_evidence(
                    actor=actor, source=kept.evidence, answer=offer.answer
                )
            )
            held.add(kept.evidence.sha256)
    return copies


# --- Building the library from answers -------------------------------------------------


def stage_excel(*, actor, product: Product, filename: str, sha256: str, proposals: list[Proposal]):
    """A filled Excel form's proposals kept for the preview (the service's trail)."""
    with _in_the_services_trail():
        return staging.stage(LibraryImport, actor=actor, owner=product, filename=filename,
                             sha256=sha256, plan=composing.as_json(proposals))  # fmt: skip


def decide_excel(*, actor, staged: LibraryImport, controls: set[str] | None) -> int:
    """The staged file's chosen proposals built into the library, or (None) cancelled."""
    with _in_the_services_trail():
        if controls is None:
            staging.cancel(actor=actor, staged=staged)
            return 0

        def apply(*, actor, owner, plan, source_label) -> int:
            chosen = [p for p in composing.from_json(plan, owner) if p.control.key in controls]
            return build(
                actor=actor, product=owner, proposals=chosen, source=f"Excel {source_label}"
            )

        return staging.confirm(actor=actor, staged=staged, apply=apply)


def build(*, actor, product: Product, proposals: list[Proposal], source: str, where=None) -> int:
    """Entries from answers (an assessment, a filled Excel form): the proposals chosen,
    saved as drafts. `where` is the assessment they came from, for the history."""
    changes = [(p.control, p.values) for p in proposals if p.kind != "same"]
    if not changes:
        return 0
    with transaction.atomic():
        count = save_entries(actor=actor, product=product, changes=changes, source=source)
        Use.objects.create(
            product=product, kind=Use.Kind.BUILD,
            municipality=where.system.municipality.name if where else "",
            municipality_code=where.system.municipality.code if where else "",
            system=where.system.name if where else "", assessment=source[:200],
            entries=count, items=", ".join(sorted({n for p in proposals for n in p.items})), actor=actor,
        )  # fmt: skip
    return count


# --- The yearly carry-forward (assessments.actions.register_carry, in apps.py) ---------
# An answer carried from last year that the library wrote, and that nobody changed since,
# is carried with the entry's newer approved version where there is one (still to be
# confirmed, as every carried answer is), and says so; otherwise where it came from is
# carried with it.


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
            assessment_actions.replace_carried(
                new, composing.compose(entries), actor=actor, source=AnswerRevision.Source.LIBRARY
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
