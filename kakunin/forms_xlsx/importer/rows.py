"""The third stage: the form's rows read, each cell checked, what lies outside the
table listed with its address."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kakunin.assessments.models import (
    Assessment,
)
from kakunin.core import wareki
from kakunin.forms_xlsx import cells as cell_text
from kakunin.forms_xlsx.importer.locate import (
    Form,
    fold,
    number_key,
)
from kakunin.forms_xlsx.importer.plan import (
    MAX_COLUMNS,
    MAX_ROWS,
    Skipped,
    _at,
)
from kakunin.forms_xlsx.layout import (
    INPUT_FIELDS,
)
from kakunin.staging.models import ImportRefused


@dataclass
class FormRow:
    """One item's row: its identity (key or number), what it says, and where."""

    row: int
    key: str
    number: int | str | None  # as printed: 5, or "1-1" (number_key)
    values: dict[str, str]  # field -> text, for the input fields present
    date: datetime.date | None
    cells: dict[str, str]  # field -> address
    raw: dict[str, str]  # field -> text, for the printed fields (number, question...)


def _address(row: int, index: int) -> str:
    return f"{get_column_letter(index + 1)}{row}"


def _read_rows(form: Form, assessment: Assessment, epoch) -> tuple[list[FormRow], list, list]:
    """The item rows, the cells left aside (with why), and the errors."""
    ws = form.sheet
    if ws.max_row > MAX_ROWS or ws.max_column > MAX_COLUMNS:
        raise ImportRefused(
            [
                _("表が大きすぎます（%(rows)s 行・%(cols)s 列まで）。")
                % {"rows": MAX_ROWS, "cols": MAX_COLUMNS}
            ]
        )
    template = assessment.template
    banners = {fold(s.get("banner", "")) for s in template.standards.values()} - {""}
    banners.add(fold(template.policy_line))
    known = {index: name for name, index in form.columns.items()}
    rows, skipped, errors = [], [], []
    for r, cells in enumerate(
        ws.iter_rows(min_row=form.header_row + 1, max_row=ws.max_row, max_col=ws.max_column),
        start=form.header_row + 1,
    ):
        identity = _identity(cells, form)
        if identity is None:
            skipped.extend(_unmatched(cells, r, banners, form))
            continue
        key, number = identity
        values, raw, addresses, date = {}, {}, {}, None
        for index, cell in enumerate(cells):
            name = known.get(index)
            if name in INPUT_FIELDS:
                addresses[name] = cell.coordinate
                try:
                    if name == "target_date":
                        date = _read_date(cell, epoch)
                        values[name] = date.isoformat() if date else ""
                    else:
                        values[name] = cell_text.shown_text(cell, epoch)
                except cell_text.Unreadable as exc:
                    errors.append(f"{cell.coordinate}: {exc}")
                except wareki.DateUnreadable as exc:
                    errors.append(f"{cell.coordinate}: {exc.args[0]}")
            elif cell.value not in (None, ""):
                raw[name or f"#{index}"] = _plain(cell)
                addresses[name or f"#{index}"] = cell.coordinate
        rows.append(FormRow(r, key, number, values, date, addresses, raw))
    return rows, skipped, errors


def _identity(cells, form: Form) -> tuple[str, int | str | None] | None:
    """(key, number) of an item row, or None for a row that is not one."""
    if not form.by_number:
        key = _at(cells, form.columns["key"])
        text = "" if key is None or key.value is None else str(key.value).strip()
        return (text, None) if text else None
    number_cell = _at(cells, form.columns["number"])
    value = None if number_cell is None else number_cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return "", int(value)
    if isinstance(value, str) and fold(value) and form.labels:
        found = number_key(value)
        return ("", found) if found in form.labels else None
    if isinstance(value, str) and fold(value).isdigit():
        return "", int(fold(value))
    return None


def _plain(cell) -> str:
    try:
        return cell_text.shown_text(cell, None)
    except cell_text.Unreadable:
        return str(cell.value)


def _read_date(cell, epoch) -> datetime.date | None:
    """対応予定日: a date cell as it is, a text (or a number shown as a date) parsed
    in the usual Japanese and ISO spellings."""
    value = cell.value
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text.shown_text(cell, epoch)
    if not text.strip():
        return None
    if wareki.lacks_year(text):
        raise wareki.DateUnreadable(
            _(
                "対応予定日「%(value)s」に年がありません。2026/4/1 や 令和8年4月1日 のように年も書いてください。"
            )
            % {"value": text[:30]}
        )
    try:
        return wareki.parse(text)
    except wareki.DateUnreadable:
        raise wareki.DateUnreadable(
            _(
                "対応予定日「%(value)s」を日付として読めません。2026/4/1 や 令和8年4月1日 のように書いてください。"
            )
            % {"value": text[:30]}
        ) from None


def _unmatched(cells, r: int, banners: set[str], form: Form) -> list[Skipped]:
    """The non-empty cells of a row that is no item's: each is left aside, with why."""
    out = []
    for cell in cells:
        if cell.value in (None, ""):
            continue
        text = _plain(cell)
        if fold(text) in banners:
            continue
        reason = (
            _("No のない行です（項目の行ではありません）。")
            if form.by_number
            else _(
                "どの項目の行でもありません（行が追加されたか、行の識別情報が消されています）。回答は各項目の行に書いてください。"
            )
        )
        out.append(Skipped(cell.coordinate, text[:80], str(reason)))
    return out


def _merged_inputs(ws, form: Form, rows: list[FormRow]) -> list[str]:
    """A merged cell across items, or across an answer cell and another, hides what
    belongs to one item in another's row: the file is refused."""
    input_columns = {form.columns[f] + 1 for f in INPUT_FIELDS if f in form.columns}
    item_rows = {row.row: row for row in rows}
    errors = []
    for merged in ws.merged_cells.ranges:
        columns = set(range(merged.min_col, merged.max_col + 1))
        spanned = [
            item_rows[r] for r in range(merged.min_row, merged.max_row + 1) if r in item_rows
        ]
        if not (columns & input_columns) or not spanned:
            continue
        if len(spanned) > 1:
            errors.append(
                _(
                    "%(range)s: 回答欄のセルが %(items)s にまたがって結合されています。結合を解除し、項目ごとに記入してください。"
                )
                % {"range": merged.coord, "items": "、".join(_label(r) for r in spanned)}
            )
        elif merged.max_col > merged.min_col:
            errors.append(
                _("%(range)s: %(item)s の記入欄が結合されています。結合を解除してください。")
                % {"range": merged.coord, "item": _label(spanned[0])}
            )
    return errors


def _label(row: FormRow) -> str:
    return f"No.{row.number}" if row.number is not None else f"{row.row}行目"
