"""Reading a municipality's own checklist from its Excel file: which sheet is the
form, its header rows and columns, its sections and items, its answer words.

It reads forms as municipalities make them: an instruction sheet in front, two
header rows with merged cells, category cells merged over many rows, numbering such
as 1, 1-1, (1), ①, examples marked 【記載例】 or 例:, answers the municipality wrote
itself, a drop-down list of answer words, a column for the municipality's own check.
What cannot be read is refused with the sheet, the row and what is missing.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kakunin.catalog.layout import Layout, LayoutError, fold
from kakunin.staging.models import ImportRefused

HEADER_SEARCH_ROWS = 30
MAX_ITEMS = 1000
# What a heading means: the longest pattern contained in it wins; an exact match wins
# over any. "examples" is read into each item's examples, not kept as a column.
HEADINGS = {
    "number": ("no", "no.", "番号", "項番", "№", "通番", "項目番号"),
    "section": ("大項目", "分類", "区分", "カテゴリ", "大分類", "項目", "対策項目"),
    "subsection": ("中項目", "小項目", "小分類", "細目", "中分類"),
    "question": (
        "確認事項", "確認項目", "確認内容", "質問", "要件", "チェック項目", "対策内容",
        "内容", "セキュリティ要件", "基準", "要求事項", "質問/確認事項",
    ),
    "examples": ("記載例", "回答例", "例", "記入例"),
    "answer": ("回答", "回答内容", "記入欄", "対応内容", "実施内容", "具体的な対策", "説明", "回答欄"),
    "status": ("対応状況", "実施状況", "適否", "可否", "状況", "○×", "〇×", "チェック", "対応可否"),
    "verdict": (
        "市確認", "区確認", "町確認", "村確認", "確認欄", "担当課確認", "審査", "判定",
        "市記入欄", "区記入欄", "確認結果", "市使用欄", "区使用欄", "審査結果",
    ),
    "plan": ("対応予定", "対応方針"),
    "target_date": ("対応予定日", "予定日", "期限", "完了予定日"),
}  # fmt: skip
EXAMPLE_MARKS = re.compile(
    r"^\s*(【記載例】|【記入例】|【回答例】|【例】|\(例\)|（例）|例[:：）)]|記載例[:：])"
)
# What a blank form holds where the vendor writes, and is no answer.
PLACEHOLDERS = {"", "-", "－", "―", "ー", "記入", "記入欄", "（記入）", "(記入)"}
# Answer words of a drop-down that the default spellings do not know.
EXTRA_WORDS = {"－": "na", "-": "na", "―": "na", "ー": "na", "/": "na", "／": "na"}


@dataclass
class Column:
    index: int  # 1-based
    field: str
    heading: str
    group: str = ""
    width: float = 10


@dataclass
class ReadItem:
    row: int
    label: str
    section: str
    subsection: str
    question: str
    examples: list[str] = field(default_factory=list)
    preset_answer: str = ""


@dataclass
class ReadForm:
    """What was read, before anyone corrected it."""

    sheet: str
    header_row: int
    header_rows: int
    columns: list[Column]
    ignored: list[Column]  # the columns not taken (field "")
    items: list[ReadItem]
    words: dict[str, str | None]  # the drop-down's words -> the status each means
    title: str = ""
    instruction: str = ""
    sheets: list[str] = field(default_factory=list)


class Grid:
    """A sheet's values with merged cells resolved: every cell of a merge reads as its
    top-left one; `merged_from(row, col)` says where a merge started."""

    def __init__(self, ws):
        self.ws = ws
        self.origin: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in ws.merged_cells.ranges:
            top = (merged.min_row, merged.min_col)
            for r in range(merged.min_row, min(merged.max_row, ws.max_row) + 1):
                for c in range(merged.min_col, min(merged.max_col, 200) + 1):
                    self.origin[(r, c)] = top

    def value(self, row: int, col: int) -> Any:
        r, c = self.origin.get((row, col), (row, col))
        return self.ws.cell(r, c).value

    def text(self, row: int, col: int) -> str:
        value = self.value(row, col)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return unicodedata.normalize("NFC", str(value)).strip()

    def merged_from(self, row: int, col: int) -> tuple[int, int]:
        return self.origin.get((row, col), (row, col))

    def spans_across(self, row: int, col: int) -> bool:
        r, c = self.origin.get((row, col), (row, col))
        return any(
            m.min_row == r and m.min_col == c and m.max_col > m.min_col
            for m in self.ws.merged_cells.ranges
        )


def classify(heading: str) -> str | None:
    """The field a heading names, or None."""
    text = fold(heading).replace("：", "").replace(":", "")
    if not text or len(text) > 16:  # a heading is short; a question is not one
        return None
    best, length = None, 0
    for name, patterns in HEADINGS.items():
        for pattern in patterns:
            folded = fold(pattern)
            if text == folded:
                return name
            if len(text) <= 12 and folded in text and len(folded) > length:
                best, length = name, len(folded)
    return best


def _row_fields(grid: Grid, row: int, width: int) -> dict[int, str]:
    found: dict[int, str] = {}
    for col in range(1, width + 1):
        name = classify(grid.text(row, col))
        if name and name not in found.values():
            found[col] = name
    return found


def find_header(grid: Grid) -> tuple[int, int, dict[int, tuple[str, str, str]]] | None:
    """(the heading row, 1 or 2 header rows, col -> (field, heading, group)), or None."""
    width = min(grid.ws.max_column, 60)
    for row in range(1, min(grid.ws.max_row, HEADER_SEARCH_ROWS) + 1):
        upper = _row_fields(grid, row, width)
        if "question" not in upper.values() or len(upper) < 2:
            continue
        lower = _row_fields(grid, row + 1, width) if row < grid.ws.max_row else {}
        added = set(lower.values()) - set(upper.values())
        if added and any(grid.spans_across(row, col) for col in lower):
            columns: dict[int, tuple[str, str, str]] = {}
            for col in range(1, width + 1):
                name = lower.get(col) or upper.get(col)
                if not name or name in [v[0] for v in columns.values()]:
                    continue
                heading = grid.text(row + 1, col) or grid.text(row, col)
                group = grid.text(row, col) if grid.spans_across(row, col) else ""
                columns[col] = (name, heading, group if group != heading else "")
            return row + 1, 2, columns
        return row, 1, {col: (name, grid.text(row, col), "") for col, name in upper.items()}
    return None


def _refuse(sheet: str, row: int | None, message: str) -> ImportRefused:
    where = _("シート「%(sheet)s」") % {"sheet": sheet}
    if row:
        where += _("の%(row)s行目") % {"row": row}
    return ImportRefused([f"{where}: {message}"])


def _split_examples(text: str) -> tuple[str, list[str]]:
    """The question, and the examples written under it after 【記載例】 or 例:."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if EXAMPLE_MARKS.match(line):
            rest = EXAMPLE_MARKS.sub("", line).strip()
            examples = [rest] if rest else []
            examples += [x.strip() for x in lines[i + 1 :] if x.strip()]
            return "\n".join(lines[:i]).strip(), examples
    return text.strip(), []


def _label(grid: Grid, row: int, col: int) -> str:
    """The printed number of an item: 1, 1-1, (1), ①, 1. (as typed, without a dot)."""
    text = grid.text(row, col)
    return text.rstrip(".．。 ").strip()


def read_items(grid: Grid, sheet: str, header_row: int, fields: dict[str, int]) -> list[ReadItem]:
    """The items below the header: a row with a number and a question is an item; a
    row with text across and no question is a section's heading; a row of examples
    (例:, 【記載例】) without a number belongs to the item above."""
    items: list[ReadItem] = []
    section = ""
    number_col, question_col = fields.get("number"), fields["question"]
    for row in range(header_row + 1, grid.ws.max_row + 1):
        label = _label(grid, row, number_col) if number_col else ""
        question = grid.text(row, question_col)
        if number_col and grid.merged_from(row, number_col)[0] != row and items:
            if question and grid.merged_from(row, question_col)[0] == row:
                _continue(items[-1], question)  # the rest of a merged item
            continue
        if not question:
            heading = label or next(
                (grid.text(row, c) for c in range(1, 4) if grid.text(row, c)), ""
            )
            if heading and (not number_col or grid.spans_across(row, number_col) or not label):
                section = heading
            elif label:
                raise _refuse(
                    sheet, row, _("No.%(n)s に質問（確認事項）がありません。") % {"n": label}
                )
            continue
        if not label and items and (EXAMPLE_MARKS.match(question) or not number_col):
            _continue(items[-1], question)
            continue
        if not label:
            raise _refuse(sheet, row, _("質問はありますが、番号（No）がありません。"))
        text, examples = _split_examples(question)
        item = ReadItem(
            row=row,
            label=label,
            section=grid.text(row, fields["section"]) if "section" in fields else section,
            subsection=grid.text(row, fields["subsection"]) if "subsection" in fields else "",
            question=text,
            examples=examples,
        )
        if "examples" in fields:
            item.examples += [x for x in grid.text(row, fields["examples"]).split("\n") if x]
        if "answer" in fields:
            preset = grid.text(row, fields["answer"])
            item.preset_answer = "" if fold(preset) in {fold(p) for p in PLACEHOLDERS} else preset
        items.append(item)
        if len(items) > MAX_ITEMS:
            raise _refuse(sheet, row, _("項目が多すぎます（%(n)s 件まで）。") % {"n": MAX_ITEMS})
    _check_items(items, sheet)
    return items


def _continue(item: ReadItem, text: str) -> None:
    if EXAMPLE_MARKS.match(text) or item.examples:
        _, examples = _split_examples(text if EXAMPLE_MARKS.match(text) else "例:" + text)
        item.examples += examples
    else:
        item.question = f"{item.question}\n{text}"


def _check_items(items: list[ReadItem], sheet: str) -> None:
    if not items:
        raise _refuse(sheet, None, _("番号と質問のある行（項目）が見つかりません。"))
    seen: dict[str, int] = {}
    for item in items:
        key = fold(item.label)
        if key in seen:
            raise _refuse(
                sheet,
                item.row,
                _(
                    "No.%(n)s が重複しています（%(first)s行目と同じ番号）。番号を付け直してください。"
                )
                % {"n": item.label, "first": seen[key]},
            )
        seen[key] = item.row


def answer_words(ws, col: int | None) -> dict[str, str | None]:
    """The words of the drop-down (data validation) on the status column, each with
    the status it is taken to mean (None: not known; the preview asks)."""
    if col is None:
        return {}
    letter = get_column_letter(col)
    default = Layout.parse({})
    words: dict[str, str | None] = {}
    for validation in ws.data_validations.dataValidation:
        if validation.type != "list" or not validation.formula1:
            continue
        if not any(letter in str(cells) for cells in str(validation.sqref).split()):
            continue
        formula = validation.formula1.strip()
        if not formula.startswith('"'):
            continue  # a list from a range of cells: not read
        for word in formula.strip('"').split(","):
            word = word.strip()
            if word:
                words[word] = default.parse_status(word) or EXTRA_WORDS.get(word)
    return words


def pick_sheet(workbook) -> tuple[Any, Grid, tuple]:
    """The sheet whose header names a question column and the most others."""
    found = []
    for ws in workbook.worksheets:
        if ws.sheet_state != "visible":
            continue
        grid = Grid(ws)
        header = find_header(grid)
        if header:
            found.append((len(header[2]), ws, grid, header))
    if not found:
        names = "、".join(f"「{ws.title}」" for ws in workbook.worksheets)
        raise ImportRefused(
            [
                _(
                    "確認項目の表が見つかりません。どのシート（%(sheets)s）にも、「No」と「確認事項」（または「質問」「要件」）の見出しの行がありません。"
                )
                % {"sheets": names}
            ]
        )
    _n, ws, grid, header = max(found, key=lambda f: f[0])
    return ws, grid, header


def read_form(workbook, remap: dict[int, str] | None = None) -> ReadForm:
    """The form read; `remap` (column -> field, "" for none) is what a person
    corrected in the preview."""
    ws, grid, (row, header_rows, columns) = pick_sheet(workbook)
    for col, name in (remap or {}).items():
        taken = [c for c, (n, _h, _g) in columns.items() if n == name and c != col]
        for other in taken:
            columns.pop(other)
        if name:
            heading = grid.text(row, col) or get_column_letter(col)
            group = columns[col][2] if col in columns else ""
            columns[col] = (name, heading, group)
        else:
            columns.pop(col, None)
    fields = {name: col for col, (name, _h, _g) in columns.items()}
    if "question" not in fields:
        raise _refuse(ws.title, row, _("質問（確認事項）の列が見つかりません。"))
    if "number" not in fields:
        raise _refuse(ws.title, row, _("番号（No）の列が見つかりません。"))
    items = read_items(grid, ws.title, row, fields)
    kept = []
    for col, (name, heading, group) in sorted(columns.items()):
        width = ws.column_dimensions[get_column_letter(col)].width or 10
        kept.append(Column(col, name, heading, group, max(1, min(100, round(width, 1)))))
    ignored = [
        Column(col, "", grid.text(row, col))
        for col in range(1, min(ws.max_column, 60) + 1)
        if col not in columns and grid.text(row, col)
    ]
    above = [grid.text(r, c) for r in range(1, row - header_rows + 1) for c in range(1, 4)]
    above = [t for t in dict.fromkeys(above) if t]
    return ReadForm(
        sheet=ws.title,
        header_row=row,
        header_rows=header_rows,
        columns=kept,
        ignored=ignored,
        items=items,
        words=answer_words(ws, fields.get("status")),
        title=above[0] if above else "",
        instruction=next((t for t in above[1:] if len(t) > 8), ""),
        sheets=[w.title for w in workbook.worksheets],
    )


__all__ = ["Layout", "LayoutError", "ReadForm", "read_form"]
