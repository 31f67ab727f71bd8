"""From a form read off its Excel file to a definition Kakunin loads: the items with
their printed numbers, the controls suggested for each (with their scores), the
layout (the sheet, its header rows, its columns and widths, its answer words)."""

import datetime
import hashlib
import io
import re
from dataclasses import dataclass, field

import openpyxl
import yaml
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.catalog import suggest
from kakunin.catalog.layout import DEFAULT_STATUS_WORDS, STATUSES, Layout, LayoutError, fold
from kakunin.catalog.loader import CatalogError, ParsedTemplate, parse
from kakunin.forms_xlsx.definition.sheet import ReadForm, read_form
from kakunin.forms_xlsx.importer.container import _check_container, _unreadable_refused
from kakunin.staging.models import ImportRefused

SLUG = re.compile(r"[^a-z0-9-]+")
# The columns a definition keeps, in the order it draws them; the others are read
# into the items (examples) or left aside (said in the preview).
KEPT = ("number", "section", "subsection", "question", "answer", "status", "plan", "target_date")


@dataclass
class Options:
    name: str = ""
    key: str = ""
    version: str = "1"
    issuer: str = ""
    effective_date: datetime.date | None = None
    remap: dict[int, str] = field(default_factory=dict)  # column -> field
    words: dict[str, str] = field(default_factory=dict)  # answer word -> status
    controls: dict[str, list[str]] = field(default_factory=dict)  # item label -> controls
    threshold: float = suggest.THRESHOLD


@dataclass
class Draft:
    """A definition, what it was made from, and what the preview shows."""

    read: ReadForm
    definition: dict
    suggestions: dict[str, list[suggest.Suggestion]]  # item label -> ranked
    untagged: list[str]  # item labels left without a control
    sha256: str = ""

    def yaml(self) -> str:
        return yaml.safe_dump(self.definition, allow_unicode=True, sort_keys=False, width=1000)

    def parsed(self) -> ParsedTemplate:
        """The definition checked by the catalog's own loader (one rule for all forms)."""
        try:
            return parse(self.yaml(), source=self.definition["name"])
        except CatalogError as exc:
            raise ImportRefused([str(exc)]) from None


def open_workbook(data: bytes):
    """The workbook, after the same guards as a vendor's upload (size, zip, cells)."""
    _check_container(data)
    with _unreadable_refused():
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)


def draft(data: bytes, filename: str, options: Options) -> Draft:
    """Read a municipality's Excel form into a definition. Raises ImportRefused."""
    workbook = open_workbook(data)
    with _unreadable_refused():
        read = read_form(workbook, options.remap)
    model = suggest.model()
    suggestions, items, untagged = {}, [], []
    for number, entry in enumerate(read.items, start=1):
        text = {
            "subsection": entry.subsection,
            "question": entry.question,
            "section": entry.section,
        }
        ranked = model.suggest(text)
        suggestions[entry.label] = ranked
        chosen = options.controls.get(entry.label)
        if chosen is None:
            chosen = [ranked[0].control] if ranked and ranked[0].score >= options.threshold else []
        if not chosen:
            untagged.append(entry.label)
        items.append(_item(entry, number, chosen))
    name = options.name or read.title or filename.rsplit(".", 1)[0]
    digest = hashlib.sha256(data).hexdigest()
    definition = {
        "key": options.key or _key(filename, digest),
        "version": options.version or "1",
        "name": name[:200],
        "issuer": (options.issuer or _issuer(read) or "—")[:200],
        "effective_date": (options.effective_date or timezone.localdate()).isoformat(),
        "instruction": read.instruction[:300],
        "standards": {"base": {"name": name[:200]}},
        "high": {"confidentiality": 3, "integrity": 2, "availability": 2},
        "layout": _layout(read, options.words),
        "items": items,
    }
    return Draft(read, definition, suggestions, untagged, digest)


def _item(entry, number: int, controls: list[str]) -> dict:
    item = {
        "key": f"item-{number}",
        "number": number,
        "label": entry.label[:20],
        "section": (entry.section or _("（分類なし）"))[:200],
        "subsection": (entry.subsection or entry.section or f"No.{entry.label}")[:200],
        "standard": "base",
        "question": entry.question,
        "controls": controls,
    }
    if entry.examples:
        item["examples"] = entry.examples
    if entry.preset_answer:
        item["answered_by"] = "ward"
        item["preset_answer"] = entry.preset_answer
    return item


def _key(filename: str, digest: str) -> str:
    stem = SLUG.sub("-", filename.rsplit(".", 1)[0].casefold()).strip("-")
    return (stem if stem and stem[0].isalnum() else "form")[:60] + f"-{digest[:8]}"


def _issuer(read: ReadForm) -> str:
    for text in (read.title, read.instruction):
        found = re.search(r"[^\s（(「]{1,10}?[都道府県市区町村]", text or "")
        if found:
            return found.group(0)
    return ""


def _layout(read: ReadForm, corrections: dict[str, str]) -> dict:
    """The layout the form was read with: the municipality's columns in its order and
    widths (its check column last, Kakunin's hidden key before it), its answer words
    first among the spellings."""
    columns = [c for c in read.columns if c.field in KEPT]
    out = [_column(c) for c in columns]
    out.append({"field": "key", "heading": "項目キー", "width": 20})
    verdict = next((c for c in read.columns if c.field == "verdict"), None)
    if verdict:
        out.append(_column(verdict))
    words: dict[str, list[str]] = {s: [] for s in STATUSES}
    for word, status in {**read.words, **corrections}.items():
        if status in words:
            words[status].append(word)
    # A word the form gives a meaning to leaves the defaults of the other statuses.
    mapped = {fold(w) for found in words.values() for w in found}
    status_words = {
        s: list(
            dict.fromkeys(words[s] + [w for w in DEFAULT_STATUS_WORDS[s] if fold(w) not in mapped])
        )
        for s in STATUSES
    }
    layout = {
        "sheet": read.sheet[:31],
        "header_rows": read.header_rows,
        "columns": out,
        "status_words": status_words,
    }
    try:
        Layout.parse(layout)
    except LayoutError as exc:
        raise ImportRefused([_("様式の形を読み取れません: %(error)s") % {"error": exc}]) from None
    return layout


def _column(c) -> dict:
    entry = {"field": c.field, "heading": c.heading[:40] or c.field, "width": c.width}
    if c.group:
        entry["group"] = c.group[:40]
    return entry


def max_bytes() -> int:
    return settings.FORM_IMPORT_MAX_BYTES
