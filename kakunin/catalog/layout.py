"""How a form looks in Excel and on paper, as data: its sheet, its header rows, its
columns (which the vendor fills, which the municipality keeps), its status words and
their spellings, its print settings.

A form's definition may give a `layout:` block; whatever it leaves out is the
default below, which is how Kakunin has always drawn Chiyoda's form. The export, the
import and the PDF read a form's layout through `Layout.of(template)`.
"""

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

# The fields a column can hold. `key` is Kakunin's own hidden column (rows are
# matched by it); `verdict` is the municipality's: its check, its verdicts.
FIELDS = (
    "number", "section", "subsection", "question",
    "answer", "status", "plan", "target_date",
    "key", "verdict",
)  # fmt: skip
VENDOR_FIELDS = ("answer", "status", "plan", "target_date")
REQUIRED_FIELDS = ("number", "question", "answer")
# The answer statuses, as assessments.models.Status spells their codes.
STATUSES = ("done", "partial", "not_done", "na", "ward")
ORIENTATIONS = ("landscape", "portrait")
PAPERS = ("A4", "A3")

DEFAULT_COLUMNS: list[dict[str, Any]] = [
    {"field": "number", "heading": "No", "width": 4},
    {"field": "section", "heading": "大項目", "width": 10, "ward_width": 8},
    {"field": "subsection", "heading": "中項目", "width": 10, "ward_width": 8},
    {"field": "question", "heading": "質問/確認事項", "width": 45},
    {"field": "answer", "heading": "回答", "width": 40, "ward_width": 33},
    {"field": "status", "heading": "対応状況", "width": 7},
    {"field": "plan", "heading": "対応予定", "width": 16, "ward_width": 12},
    {"field": "target_date", "heading": "対応予定日", "width": 9},
    {"field": "key", "heading": "項目キー", "width": 20},
    {"field": "verdict", "heading": "審査結果", "width": 14},
]
# The first word of each is what Kakunin writes; the others are read as the same.
# Full-width and half-width forms are folded before matching, spaces ignored.
DEFAULT_STATUS_WORDS: dict[str, list[str]] = {
    "done": ["対応済", "対応済み", "済", "済み", "〇", "○", "◯", "実施済", "実施済み", "対応完了", "完了"],
    "partial": ["一部対応", "一部対応済", "一部対応済み", "一部", "一部実施", "一部実施済", "△", "▲"],
    "not_done": ["未対応", "未", "未実施", "対応予定", "×", "✕", "✖", "✗"],
    "na": ["該当なし", "該当無し", "該当しない", "非該当", "対象外", "N/A", "NA"],
    "ward": ["区で対応", "区対応", "区にて対応", "区が対応"],
}  # fmt: skip
# English words are always read too (what the API and the English pages call them).
ENGLISH_WORDS = {
    "done": "done",
    "partial": "partially done",
    "not_done": "not done",
    "na": "not applicable",
    "ward": "handled by the ward",
}
DEFAULTS: dict[str, Any] = {
    "sheet": "確認一覧表",
    "header_rows": 1,
    "columns": DEFAULT_COLUMNS,
    "status_words": DEFAULT_STATUS_WORDS,
    "not_applicable_label": "適用外",
    "print": {"orientation": "landscape", "paper": "A4", "scale": 100},
}


class LayoutError(ValueError):
    """A layout that cannot be drawn; the message names what is wrong."""


def fold(text: str) -> str:
    """Text compared the way a person reads it: full-width and half-width alike,
    spaces and line breaks ignored, case ignored."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


@dataclass(frozen=True)
class Column:
    field: str
    heading: str
    width: float  # in Excel's character units, the vendor's copy
    ward_width: float  # the municipality's copy
    group: str = ""  # the heading above it, on a form with two header rows
    letter: str = ""

    @property
    def vendor_fills(self) -> bool:
        return self.field in VENDOR_FIELDS


@dataclass(frozen=True)
class Layout:
    sheet: str
    header_rows: int
    columns: tuple[Column, ...]
    status_words: dict[str, tuple[str, ...]]
    not_applicable_label: str
    orientation: str
    paper: str
    scale: int
    spellings: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, template) -> "Layout":
        return cls.parse(getattr(template, "layout", None) or {})

    @classmethod
    def parse(cls, data: dict) -> "Layout":
        """A layout from a definition's `layout:` block, the defaults filling the
        rest. Raises LayoutError naming what is wrong."""
        if not isinstance(data, dict):
            raise LayoutError("layout はマッピングでなければなりません")
        unknown = set(data) - set(DEFAULTS) - {"__line__"}
        if unknown:
            raise LayoutError(f"layout の未知の項目: {', '.join(sorted(unknown))}")
        merged = DEFAULTS | {k: v for k, v in data.items() if k != "__line__"}
        header_rows = merged["header_rows"]
        if header_rows not in (1, 2):
            raise LayoutError("header_rows は 1 か 2 です")
        printing = DEFAULTS["print"] | (merged["print"] or {})
        if printing.get("orientation") not in ORIENTATIONS:
            raise LayoutError(f"print.orientation は {' / '.join(ORIENTATIONS)} です")
        if printing.get("paper") not in PAPERS:
            raise LayoutError(f"print.paper は {' / '.join(PAPERS)} です")
        scale = printing.get("scale")
        if not isinstance(scale, int) or not 10 <= scale <= 400:
            raise LayoutError("print.scale は 10〜400 の整数です")
        words = _status_words(merged["status_words"])
        layout = cls(
            sheet=_text(merged["sheet"], "sheet", 31),
            header_rows=header_rows,
            columns=_columns(merged["columns"]),
            status_words=words,
            not_applicable_label=_text(merged["not_applicable_label"], "not_applicable_label", 20),
            orientation=printing["orientation"],
            paper=printing["paper"],
            scale=scale,
        )
        layout.spellings.update(_spellings(words))
        return layout

    def as_data(self) -> dict:
        """The layout as a definition writes it (the inverse of parse)."""
        columns = []
        for c in self.columns:
            entry = {"field": c.field, "heading": c.heading, "width": c.width}
            if c.ward_width != c.width:
                entry["ward_width"] = c.ward_width
            if c.group:
                entry["group"] = c.group
            columns.append(entry)
        return {
            "sheet": self.sheet,
            "header_rows": self.header_rows,
            "columns": columns,
            "status_words": {k: list(v) for k, v in self.status_words.items()},
            "not_applicable_label": self.not_applicable_label,
            "print": {"orientation": self.orientation, "paper": self.paper, "scale": self.scale},
        }

    # --- what the export and the import ask -------------------------------------

    def column(self, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.field == field_name), None)

    def heading(self, field_name: str, default: str = "") -> str:
        column = self.column(field_name)
        return column.heading if column else default

    def letter(self, field_name: str) -> str:
        column = self.column(field_name)
        return column.letter if column else ""

    def has(self, field_name: str) -> bool:
        return self.column(field_name) is not None

    @property
    def header_row(self) -> int:
        """The row of the column headings (the lower one on a form with two): below
        the three title lines."""
        return 3 + self.header_rows

    def printed(self, ward: bool) -> list[Column]:
        """The columns of a copy, in order: the vendor's has no verdict column."""
        return [c for c in self.columns if ward or c.field != "verdict"]

    def widths(self, ward: bool) -> dict[str, float]:
        return {c.letter: (c.ward_width if ward else c.width) for c in self.printed(ward)}

    def word(self, status: str) -> str:
        """The word Kakunin writes for a status: the first of its spellings."""
        words = self.status_words.get(status)
        return words[0] if words else ""

    def parse_status(self, value: str) -> str | None:
        """The status code a cell means, '' for blank, None when it means nothing known."""
        folded = fold(value)
        if not folded or folded == fold(self.not_applicable_label):
            return ""
        return self.spellings.get(folded)

    def headings(self) -> dict[str, str]:
        """Folded heading -> field, every column's and the default ones' (a form
        exported before its layout was data still reads)."""
        found: dict[str, str] = {fold(c["heading"]): c["field"] for c in DEFAULT_COLUMNS}
        found.update({fold(c.heading): c.field for c in self.columns})
        return found


def _text(value, name: str, limit: int) -> str:
    if isinstance(value, bool):  # YAML reads No, Yes, On, Off as true or false
        raise LayoutError(
            f'「{name}」が真偽値として読まれました。"No" のように引用符で囲んでください'
        )
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise LayoutError(f"「{name}」は {limit} 文字以内の空でない文字列です")
    return value.strip()


def _columns(data) -> tuple[Column, ...]:
    if not isinstance(data, list) or not data:
        raise LayoutError("columns には列の一覧が必要です")
    out, seen = [], set()
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            raise LayoutError(f"columns の {index} 番目がマッピングではありません")
        name = entry.get("field")
        if name not in FIELDS:
            raise LayoutError(
                f"columns の {index} 番目: 列「{name}」は知らない列です（{', '.join(FIELDS)}）"
            )
        if name in seen:
            raise LayoutError(f"列「{name}」が2回あります")
        seen.add(name)
        width: Any = entry.get("width", 10)
        ward_width: Any = entry.get("ward_width", width)
        for value in (width, ward_width):
            if not isinstance(value, int | float) or not 1 <= value <= 100:
                raise LayoutError(f"列「{name}」の幅は 1〜100 です")
        out.append(
            Column(
                field=name,
                heading=_text(entry.get("heading", ""), f"{name}.heading", 40),
                width=width,
                ward_width=ward_width,
                group=str(entry.get("group") or "")[:40],
                letter=get_column_letter(index),
            )
        )
    missing = [f for f in REQUIRED_FIELDS if f not in seen]
    if missing:
        raise LayoutError(f"必要な列がありません: {', '.join(missing)}")
    if out[-1].field != "verdict" and "verdict" in seen:
        raise LayoutError("列「verdict」（区の確認欄）は最後の列です")
    return tuple(out)


def _status_words(data) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise LayoutError("status_words は状態ごとの言葉の一覧です")
    unknown = set(data) - set(STATUSES) - {"__line__"}
    if unknown:
        raise LayoutError(
            f"status_words の未知の状態: {', '.join(sorted(unknown))}（{', '.join(STATUSES)}）"
        )
    out = {}
    for status in STATUSES:
        words = data.get(status, DEFAULT_STATUS_WORDS[status])
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
            raise LayoutError(f"status_words.{status} は言葉の一覧です")
        out[status] = tuple(w.strip() for w in words if w.strip())
    return out


def _spellings(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for status in STATUSES:
        for word in (*words[status], ENGLISH_WORDS[status], status):
            folded = fold(word)
            if folded in found and found[folded] != status:
                raise LayoutError(f"「{word}」が2つの状態の言葉になっています")
            found[folded] = status
    return found
