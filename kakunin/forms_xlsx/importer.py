"""Reading a filled form back, safely, into a plan of changes shown before it is applied.

The file is distrusted: its kind, its size, its zip structure and its XML are
checked before openpyxl (with defusedxml installed) parses it. Any problem
refuses the whole file with messages naming the cells and saying what to do,
and nothing changes. What the file holds that will not be imported (a column
added, text beside or below the table) is listed with its address before
anything is applied: nothing is dropped without a word.

Two forms are read: Kakunin's own export (rows matched by their hidden item
key, so moved rows land right) and the ward's original form from its web site
(no keys, no status column: rows matched by number, each question checked
against the assessment's template).
"""

import datetime
import difflib
import hashlib
import io
import logging
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import olefile
import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kakunin.assessments.models import (
    STATUSES_WITHOUT_PLAN,
    AnswerScope,
    Assessment,
    Status,
    validate_answer,
)
from kakunin.assessments.sheet import build_sheet
from kakunin.catalog.models import Template
from kakunin.core import wareki, zipcheck
from kakunin.forms_xlsx import cells as cell_text
from kakunin.forms_xlsx.export import question_cell
from kakunin.forms_xlsx.layout import (
    COLUMNS,
    FORMATS_READ,
    INPUT_FIELDS,
    META_SHEET,
    SHEET_TITLE,
    STATUS_LABELS_JA,
    VERDICT_COLUMN,
    parse_status,
)
from kakunin.staging.models import ImportRefused

log = logging.getLogger(__name__)
MAX_ZIP_ENTRIES = 500
MAX_ROWS = 2000
MAX_COLUMNS = 100
HEADER_SEARCH_ROWS = 30
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE file: .xls, or an encrypted .xlsx


@dataclass
class Change:
    key: str
    number: int
    cell: str
    old_status: str
    new_status: str
    old_text: str
    new_text: str
    version: int
    old_plan: str = ""
    new_plan: str = ""
    old_date: str = ""
    new_date: str = ""
    typed_status: str = ""  # what the cell said, when it was another spelling

    @property
    def old_status_label(self) -> str:
        return str(Status(self.old_status).label) if self.old_status else ""

    @property
    def new_status_label(self) -> str:
        return str(Status(self.new_status).label) if self.new_status else ""

    @property
    def plan_changed(self) -> bool:
        return (self.old_plan, self.old_date) != (self.new_plan, self.new_date)


@dataclass
class Skipped:
    """A non-empty cell that will not be imported, and why."""

    cell: str
    value: str
    reason: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    matched_by_number: bool = False
    # Items with an answer but no status once applied: "No.5", in order.
    needs_status: list[int] = field(default_factory=list)
    sha256: str = ""
    size: int = 0

    def as_json(self) -> dict:
        return {
            "changes": [asdict(c) for c in self.changes],
            "notes": self.notes,
            "skipped": [asdict(s) for s in self.skipped],
            "matched_by_number": self.matched_by_number,
            "needs_status": self.needs_status,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Plan":
        return cls(
            [Change(**c) for c in data["changes"]],
            list(data["notes"]),
            [Skipped(**s) for s in data.get("skipped", [])],
            bool(data.get("matched_by_number")),
            list(data.get("needs_status", [])),
        )


def read_plan(fileobj, assessment: Assessment, scope: AnswerScope) -> Plan:
    """Check the uploaded form and compute what it would change. Raises ImportRefused."""
    data = fileobj.read(settings.FORM_IMPORT_MAX_BYTES + 1)
    _check_container(data)
    with _unreadable_refused():
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        form = _locate(workbook, assessment)
        rows = _read_rows(form, assessment, workbook.epoch)
    plan = _plan(rows, form, assessment, scope)
    plan.sha256, plan.size = hashlib.sha256(data).hexdigest(), len(data)
    return plan


# --- the container --------------------------------------------------------------


def _save_as_xlsx() -> str:
    return _(
        "Excel で開き、［名前を付けて保存］でファイルの種類を「Excel ブック (*.xlsx)」にして保存し直してから、アップロードしてください。"
    )


def _check_container(data: bytes) -> None:
    limit = settings.FORM_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportRefused(
            [_("ファイルが大きすぎます（上限 %(mb).1f MB）。") % {"mb": limit / 1024 / 1024}]
        )
    if data.startswith(CFB_MAGIC):
        raise ImportRefused([_ole_message(data)])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, ValueError, KeyError):
        raise ImportRefused([_not_a_zip_message(data)]) from None
    if b"opendocument" in mimetype:
        raise ImportRefused(
            [
                _(
                    "OpenDocument 形式（.ods）のファイルです。LibreOffice Calc で開き、［名前を付けて保存］でファイルの種類を「Excel 2007-365 (.xlsx)」にして保存し直してから、アップロードしてください。"
                )
            ]
        )
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportRefused([_("xlsx 形式のファイルではありません。") + _save_as_xlsx()])
    try:
        zipcheck.check(
            data,
            max_bytes=settings.FORM_IMPORT_MAX_UNZIPPED_BYTES,
            max_entries=MAX_ZIP_ENTRIES,
            max_cells=settings.FORM_IMPORT_MAX_CELLS,
        )
    except zipcheck.Refused as refused:
        raise ImportRefused([_container_refusal(refused.reason)]) from None


def _container_refusal(reason: str) -> str:
    if reason == "cells":
        return _(
            "セルが多すぎます（上限 %(n)s）。確認一覧表のシートだけを残して保存し直してから、アップロードしてください。"
        ) % {"n": settings.FORM_IMPORT_MAX_CELLS}
    if reason == "damaged":
        return _("ファイルが壊れているか、中のサイズが偽られています。") + _save_as_xlsx()
    return _("展開後のサイズが上限を超えます。圧縮爆弾の疑いがあるため取り込みません。")


def _ole_message(data: bytes) -> str:
    """An OLE container is an encrypted xlsx (password to open) or an old .xls."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            encrypted = ole.exists("EncryptedPackage")
    except Exception:
        encrypted = False
    if encrypted:
        return _(
            "ファイルにパスワード（読み取りパスワード）が設定されているため読めません。Excel で開き、［ファイル］→［情報］→［ブックの保護］→［パスワードを使用して暗号化］でパスワードを消して保存し直してから、アップロードしてください。"
        )
    return _("Excel 97-2003 形式（.xls）のファイルです。") + _save_as_xlsx()


def _not_a_zip_message(data: bytes) -> str:
    head = data[:4096]
    text = None
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is not None and ("," in text or "\t" in text):
        return _(
            "CSV（テキスト）のファイルです。Excel の様式に記入し、「Excel ブック (*.xlsx)」のまま保存したファイルをアップロードしてください。"
        )
    return _("xlsx 形式のファイルではありません。") + _save_as_xlsx()


@contextmanager
def _unreadable_refused():
    """openpyxl and defusedxml raise many kinds of error on a hostile or broken file
    (EntitiesForbidden, ParseError, KeyError, BadZipFile...): each refuses the file."""
    try:
        yield
    except ImportRefused:
        raise
    except Exception as exc:
        log.info("xlsx refused: %s: %s", type(exc).__name__, exc)
        raise ImportRefused(
            [
                _(
                    "ファイルを読み込めません。破損しているか、安全でない内容（XMLエンティティ等）を含んでいます。"
                )
            ]
        ) from None


# --- which sheet, which columns -------------------------------------------------

TITLES = {title: name for name, (_col, title) in COLUMNS.items()} | {VERDICT_COLUMN[1]: "verdict"}


def fold(text: str) -> str:
    """Text compared the way a person reads it: full-width and half-width alike,
    spaces and line breaks ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split())


FOLDED_TITLES = {fold(title).casefold(): name for title, name in TITLES.items()}


@dataclass
class Form:
    sheet: Any  # an openpyxl Worksheet
    header_row: int
    columns: dict[str, int]  # field -> 0-based column
    others: dict[int, str]  # 0-based column -> the title of a column Kakunin does not know
    by_number: bool  # the ward's original form: no item keys


def _header(ws) -> tuple[int, dict[str, int], dict[int, str]] | None:
    """The header row: the first row naming the answer column and two more of ours."""
    for number, values in enumerate(
        ws.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS, values_only=True), start=1
    ):
        columns: dict[str, int] = {}
        others: dict[int, str] = {}
        for index, value in enumerate(values):
            if value is None or str(value).strip() == "":
                continue
            name = FOLDED_TITLES.get(fold(str(value)).casefold())
            if name and name not in columns:
                columns[name] = index
            else:
                others[index] = str(value).strip()[:40]
        if "answer" in columns and len(columns) >= 3:
            return number, columns, others
    return None


def _keyed(ws, header) -> bool:
    number, columns, _o = header
    if "key" not in columns:
        return False
    rows = ws.iter_rows(min_row=number + 1, max_row=MAX_ROWS, values_only=True)
    return any(_at(v, columns["key"]) not in (None, "") for v in rows)


def _locate(workbook, assessment: Assessment) -> Form:
    meta = _meta(workbook)
    if meta:
        _check_meta(meta, assessment)
    headers = {}
    for ws in workbook.worksheets:
        if ws.title != META_SHEET and (found := _header(ws)):
            headers[ws.title] = (ws, found)
    keyed = [title for title, (ws, header) in headers.items() if _keyed(ws, header)]
    if len(keyed) > 1:
        raise ImportRefused(
            [
                _(
                    "項目の表が複数のシート（%(sheets)s）にあります。どちらを取り込むか決められません。古いシートを削除して保存し直してください。"
                )
                % {"sheets": "、".join(f"「{t}」" for t in keyed)}
            ]
        )
    if keyed:
        ws, (row, columns, others) = headers[keyed[0]]
        return Form(ws, row, columns, others, by_number=False)
    # No item keys: the ward's original form, or ours with the key column deleted.
    numbered = [
        title
        for title, (_ws, (_r, columns, _o)) in headers.items()
        if {"number", "question", "answer"} <= set(columns)
    ]
    named = meta.get("sheet", SHEET_TITLE) if meta else None
    if named in numbered:
        numbered = [named]
    if len(numbered) > 1:
        raise ImportRefused(
            [
                _(
                    "項目の表が複数のシート（%(sheets)s）にあります。どちらを取り込むか決められません。不要なシートを削除して保存し直してください。"
                )
                % {"sheets": "、".join(f"「{t}」" for t in numbered)}
            ]
        )
    if not numbered:
        raise ImportRefused(
            [
                _(
                    "確認一覧表が見つかりません（「No」「質問/確認事項」「回答」の見出しがあるシートがありません）。Kakunin からダウンロードした様式か、区の様式に記入してください。"
                )
            ]
        )
    ws, (row, columns, others) = headers[numbered[0]]
    return Form(ws, row, columns, others, by_number=True)


def _meta(workbook) -> dict[str, str]:
    if META_SHEET not in workbook.sheetnames:
        return {}
    meta = {}
    for row in workbook[META_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row and row[0]:
            meta[str(row[0])] = "" if row[1] is None else str(row[1])
    return meta


def _check_meta(meta: dict[str, str], assessment: Assessment) -> None:
    template = assessment.template
    if meta.get("format") not in FORMATS_READ:
        raise ImportRefused(
            [
                _(
                    "Kakunin の様式ではありません（形式が不明です）。この確認票のページから様式をダウンロードし直してください。"
                )
            ]
        )
    file_version = (meta.get("template_key"), meta.get("template_version"))
    if file_version != (template.key, template.version):
        other = Template.objects.filter(key=file_version[0], version=file_version[1]).first()
        raise ImportRefused(
            [
                _(
                    "別の様式のファイルです（ファイル: %(file)s、この確認票: %(this)s）。この確認票のページから様式をダウンロードし直し、回答を写してください。"
                )
                % {
                    "file": str(other) if other else meta.get("template_name") or _("不明な様式"),
                    "this": str(template),
                }
            ]
        )
    if meta.get("assessment_id") and meta["assessment_id"] != str(assessment.pk):
        if meta.get("system"):
            source = f"{meta['system']} / {meta.get('phase', '')}".rstrip(" /")
            message = _(
                "このファイルは「%(file)s」の確認票から書き出したものです。いま取り込もうとしているのは「%(this)s」です。この確認票のページからダウンロードした様式に記入してください。"
            ) % {"file": source, "this": str(assessment)}
        else:
            message = _(
                "このファイルは別の確認票から書き出したものです。「%(this)s」のページからダウンロードした様式に記入してください。"
            ) % {"this": str(assessment)}
        raise ImportRefused([message])


# --- the rows -------------------------------------------------------------------


@dataclass
class FormRow:
    """One item's row: its identity (key or number), what it says, and where."""

    row: int
    key: str
    number: int | None
    values: dict[str, str]  # field -> text, for the input fields present
    date: datetime.date | None
    cells: dict[str, str]  # field -> address
    raw: dict[str, str]  # field -> text, for the printed fields (number, question...)


def _at(values, index: int | None):
    if index is None or index >= len(values):
        return None
    return values[index]


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


def _identity(cells, form: Form) -> tuple[str, int | None] | None:
    """(key, number) of an item row, or None for a row that is not one."""
    if not form.by_number:
        key = _at(cells, form.columns["key"])
        text = "" if key is None or key.value is None else str(key.value).strip()
        return (text, None) if text else None
    number_cell = _at(cells, form.columns["number"])
    value = None if number_cell is None else number_cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return "", int(value)
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


# --- the plan -------------------------------------------------------------------


def _plan(read, form: Form, assessment: Assessment, scope: AnswerScope) -> Plan:
    rows, skipped, errors = read
    sheet_rows = [r for section in build_sheet(assessment, scope) for r in section.rows]
    by_key = {r.item.key: r for r in sheet_rows}
    by_number = {r.item.number: r for r in sheet_rows}
    plan = Plan(skipped=skipped, matched_by_number=form.by_number)
    seen: dict[str, FormRow] = {}
    for row in rows:
        target = by_number.get(row.number) if form.by_number else by_key.get(row.key)
        if target is None:
            errors.append(_unknown(row, form))
            continue
        row.number = target.item.number
        if target.item.key in seen:
            first = seen[target.item.key]
            errors.append(
                _(
                    "%(row)s行目と %(first)s行目が同じ項目（No.%(n)s）の行です。どちらか一方の行を削除してください。"
                )
                % {"row": row.row, "first": first.row, "n": target.item.number}
            )
            continue
        seen[target.item.key] = row
        if form.by_number and not _same_question(row.raw.get("question", ""), target.item):
            errors.append(
                _(
                    "%(cell)s: No.%(n)s の質問文が、この確認票の様式（%(template)s）の No.%(n)s と一致しません。"
                )
                % {
                    "cell": row.cells.get("question", f"{row.row}行目"),
                    "n": target.item.number,
                    "template": assessment.template,
                }
            )
            continue
        plan.skipped.extend(_printed_cells(row, target, form, assessment.template))
        change = _row_change(row, target, plan, errors)
        if change:
            plan.changes.append(change)
    errors.extend(_merged_inputs(form.sheet, form, rows))
    if errors:
        if form.by_number and any("質問文が" in e or "にない番号" in e for e in errors):
            errors.insert(
                0,
                _(
                    "区の様式として番号で照合しましたが、様式の版が違うか、番号が付け直されています。この確認票の様式（%(template)s）に記入してください。"
                )
                % {"template": assessment.template},
            )
        raise ImportRefused(errors)
    plan.needs_status = _needs_status(plan, sheet_rows)
    return plan


def _unknown(row: FormRow, form: Form) -> str:
    if form.by_number:
        return _("%(cell)s: No.%(n)s はこの確認票の様式にない番号です。") % {
            "cell": row.cells.get("number", f"{row.row}行目"),
            "n": row.number,
        }
    return _(
        "%(row)s行目: この確認票の項目ではない行です（別の様式の行が貼り付けられています）。この行を削除してください。"
    ) % {"row": row.row}


def _same_question(cell: str, item) -> bool:
    """The ward's original prints the question (and its examples) as the catalogue
    holds them; small differences of spacing or width do not count."""
    question, text = fold(item.question), fold(cell)
    if not text:
        return False
    if question in text:
        return True
    return difflib.SequenceMatcher(None, question, text[: len(question)]).ratio() >= 0.9


def _printed_cells(row: FormRow, target, form: Form, template) -> list[Skipped]:
    """Cells of an item's row outside the yellow ones: left aside, each said."""
    out = []
    expected = {
        "number": str(target.item.number),
        "section": target.item.section,
        "subsection": target.item.subsection,
        "key": target.item.key,
    }
    for name, text in row.raw.items():
        if not text.strip():
            continue
        cell = row.cells[name]
        if name in expected:
            if fold(text) == fold(expected[name]):
                continue
            reason = _("印刷用の欄（%(title)s）の変更は取り込みません。") % {
                "title": COLUMNS[name][1]
            }
        elif name == "question":
            if form.by_number or fold(text) == fold(question_cell(target.item, template)):
                continue
            reason = _("質問欄の変更は取り込みません。回答は回答欄に書いてください。")
        elif name == "verdict":
            reason = _("審査結果は区が Kakunin で記入します。取り込みません。")
        else:
            index = int(name[1:])
            title = form.others.get(index)
            reason = (
                _("列「%(title)s」は様式にない列のため取り込みません。") % {"title": title}
                if title
                else _("表の外のセルのため取り込みません。")
            )
        out.append(Skipped(cell, text[:80], str(reason)))
    return out


def _row_change(row: FormRow, target, plan: Plan, errors: list[str]) -> Change | None:
    """What one row asks to change, or None. A blank cell never deletes anything."""
    answer, item = target.answer, target.item
    typed = row.values.get("status", "")
    status = parse_status(typed)
    if status is None:
        errors.append(
            _(
                "%(cell)s: 対応状況「%(value)s」は選択肢（対応済／一部対応／未対応／該当なし）のどれとも読めません。"
            )
            % {"cell": row.cells["status"], "value": typed[:50]}
        )
        return None
    text = row.values.get("answer", "")
    plan_text = row.values.get("plan", "")
    new_status = status or answer.status
    new_text = text if text.strip() else answer.text
    new_plan = plan_text if plan_text.strip() else answer.plan
    new_date = row.date or answer.target_date
    if new_status in STATUSES_WITHOUT_PLAN and (plan_text.strip() or row.date):
        plan.notes.append(
            _("%(cell)s: No.%(n)s は「%(status)s」のため、対応予定と対応予定日は取り込みません。")
            % {
                "cell": row.cells.get("plan", row.cells.get("target_date", "")),
                "n": item.number,
                "status": STATUS_LABELS_JA[new_status],
            }
        )
    if new_status in STATUSES_WITHOUT_PLAN:
        new_plan, new_date = "", None
    if not text.strip() and answer.text.strip() and target.editable and "answer" in row.cells:
        plan.notes.append(
            _("%(cell)s: 空欄のため、No.%(n)s の既存の回答をそのまま残します。")
            % {"cell": row.cells["answer"], "n": item.number}
        )
    new = (new_status, new_text, new_plan, new_date)
    if new == (answer.status, answer.text, answer.plan, answer.target_date):
        return None
    if not target.editable:
        plan.notes.append(_why_skipped(row, target))
        return None
    try:
        validate_answer(item, new_status, new_text, new_plan)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            where = {"status": "status", "plan": "plan"}.get(field_name, "answer")
            cell = row.cells.get(where, row.cells.get("answer", f"{row.row}行目"))
            errors.extend(f"{cell}: {m}" for m in messages)
        return None
    return Change(
        key=item.key,
        number=item.number,
        cell=row.cells.get("answer", ""),
        old_status=answer.status,
        new_status=new_status,
        old_text=answer.text,
        new_text=new_text,
        version=answer.version,
        old_plan=answer.plan,
        new_plan=new_plan,
        old_date=answer.target_date.isoformat() if answer.target_date else "",
        new_date=new_date.isoformat() if new_date else "",
        typed_status=typed.strip() if status and typed.strip() != STATUS_LABELS_JA[status] else "",
    )


def _why_skipped(row: FormRow, target) -> str:
    if not target.applies:
        reason = _("この確認票では適用外の項目です")
    elif target.item.is_ward_item:
        reason = _("区が回答する項目です")
    else:
        reason = _("この項目を編集する権限がありません")
    return _("%(cell)s: No.%(n)s は%(reason)s。取り込みません。") % {
        "cell": row.cells.get("answer", f"{row.row}行目"),
        "n": target.item.number,
        "reason": reason,
    }


def _needs_status(plan: Plan, sheet_rows) -> list[int]:
    """Items that will have an answer but no status: the ward's original form has
    no status column, so these are said in the preview and on the page."""
    changed = {c.key: c for c in plan.changes}
    out = []
    for r in sheet_rows:
        if not r.applies or not r.editable:
            continue
        c = changed.get(r.item.key)
        status, text = (c.new_status, c.new_text) if c else (r.answer.status, r.answer.text)
        if text.strip() and not status:
            out.append(r.item.number)
    return out
