"""Reading a filled form back, safely, into a plan of changes shown before it is applied.

The file is distrusted: its size, its zip structure and its XML are checked
before openpyxl (with defusedxml installed) parses it. Any problem refuses the
whole file with a message naming the cell, and nothing changes.
"""

import datetime
import hashlib
import io
import logging
import zipfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from kakunin.assessments.models import AnswerScope, Assessment, Status, validate_answer
from kakunin.assessments.sheet import build_sheet
from kakunin.forms_xlsx.layout import COLUMNS, FORMAT, META_SHEET, parse_status

log = logging.getLogger(__name__)
MAX_ZIP_ENTRIES = 500
MAX_ROWS = 2000


class ImportRefused(Exception):
    """The file cannot be imported at all; `errors` say why, cell by cell."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


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

    @property
    def old_status_label(self) -> str:
        return str(Status(self.old_status).label) if self.old_status else ""

    @property
    def new_status_label(self) -> str:
        return str(Status(self.new_status).label) if self.new_status else ""


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sha256: str = ""
    size: int = 0

    def as_json(self) -> dict:
        return {"changes": [asdict(c) for c in self.changes], "notes": self.notes}

    @classmethod
    def from_json(cls, data: dict) -> "Plan":
        return cls([Change(**c) for c in data["changes"]], list(data["notes"]))


def read_plan(fileobj, assessment: Assessment, scope: AnswerScope) -> Plan:
    """Check the uploaded form and compute what it would change. Raises ImportRefused."""
    data = fileobj.read(settings.FORM_IMPORT_MAX_BYTES + 1)
    _check_container(data)
    with _unreadable_refused():
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        # In read-only mode the sheets are parsed only as they are read: here.
        with _unreadable_refused():
            _check_meta(workbook, assessment)
            sheet = next(ws for ws in workbook.worksheets if ws.title != META_SHEET)
            cells = _read_rows(sheet)
    finally:
        workbook.close()
    plan = _plan(cells, assessment, scope)
    plan.sha256, plan.size = hashlib.sha256(data).hexdigest(), len(data)
    return plan


def _check_container(data: bytes) -> None:
    limit = settings.FORM_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportRefused(
            [_("ファイルが大きすぎます（上限 %(mb).1f MB）。") % {"mb": limit / 1024 / 1024}]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, ValueError):
        raise ImportRefused([_("xlsx 形式のファイルではありません。")]) from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportRefused([_("xlsx 形式のファイルではありません。")])
    unpacked = sum(i.file_size for i in infos)
    if len(infos) > MAX_ZIP_ENTRIES or unpacked > settings.FORM_IMPORT_MAX_UNZIPPED_BYTES:
        raise ImportRefused(
            [_("展開後のサイズが上限を超えます。圧縮爆弾の疑いがあるため取り込みません。")]
        )


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


def _check_meta(workbook, assessment: Assessment) -> None:
    if META_SHEET not in workbook.sheetnames:
        raise ImportRefused([_("Kakunin の様式ではありません（管理用シートがありません）。")])
    meta = {}
    for row in workbook[META_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row and row[0]:
            meta[str(row[0])] = "" if row[1] is None else str(row[1])
    template = assessment.template
    if meta.get("format") != FORMAT:
        raise ImportRefused([_("Kakunin の様式ではありません（形式が不明です）。")])
    if (meta.get("template_key"), meta.get("template_version")) != (template.key, template.version):
        raise ImportRefused(
            [
                _(
                    "別の様式または版のファイルです（ファイル: %(file)s 第%(fv)s版、確認票: %(t)s 第%(tv)s版）。"
                )
                % {
                    "file": meta.get("template_key"),
                    "fv": meta.get("template_version"),
                    "t": template.key,
                    "tv": template.version,
                }
            ]
        )
    if meta.get("assessment_id") and meta["assessment_id"] != str(assessment.pk):
        raise ImportRefused(
            [
                _("別の確認票（ID %(id)s）から書き出したファイルです。")
                % {"id": meta["assessment_id"]}
            ]
        )


@dataclass
class FormCells:
    """One row of the sheet: the item key and the answer cells, with their addresses."""

    key: str
    text: str
    status: str
    key_cell: str
    answer_cell: str
    status_cell: str


def _read_rows(sheet) -> list[FormCells]:
    rows = sheet.iter_rows(values_only=True, max_row=MAX_ROWS)
    header_at, columns = None, {}
    titles = {title: name for name, (_col, title) in COLUMNS.items()}
    out = []
    for number, values in enumerate(rows, start=1):
        if header_at is None:
            found = {
                titles[v]: i for i, v in enumerate(values) if isinstance(v, str) and v in titles
            }
            if {"key", "answer", "status"} <= set(found):
                header_at, columns = number, found
            continue
        key = _cell_text(_at(values, columns["key"])).strip()
        if key:
            out.append(
                FormCells(
                    key=key,
                    text=_cell_text(_at(values, columns["answer"])),
                    status=_cell_text(_at(values, columns["status"])),
                    **{
                        f"{name}_cell": f"{get_column_letter(columns[name] + 1)}{number}"
                        for name in ("key", "answer", "status")
                    },
                )
            )
    if header_at is None:
        raise ImportRefused([_("見出し行（回答・対応状況・項目キー）が見つかりません。")])
    _refuse_duplicate_keys(out)
    return out


def _at(values, index: int):
    return values[index] if index < len(values) else None


def _cell_text(value) -> str:
    """What a cell says, as the text an answer stores."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        has_time = (value.hour, value.minute, value.second) != (0, 0, 0)
        return value.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").replace("_x000D_", "")


def _refuse_duplicate_keys(rows: list[FormCells]) -> None:
    seen: dict[str, str] = {}
    errors = []
    for r in rows:
        if r.key in seen:
            errors.append(
                _("%(cell)s: 項目キー「%(key)s」が重複しています（%(first)s と同じ）。")
                % {"cell": r.key_cell, "key": r.key, "first": seen[r.key]}
            )
        seen.setdefault(r.key, r.key_cell)
    if errors:
        raise ImportRefused(errors)


def _plan(cells: list[FormCells], assessment: Assessment, scope: AnswerScope) -> Plan:
    rows = {r.item.key: r for section in build_sheet(assessment, scope) for r in section.rows}
    plan, errors = Plan(), []
    for c in cells:
        row = rows.get(c.key)
        if row is None:
            errors.append(
                _("%(cell)s: 不明な項目キー「%(key)s」です。") % {"cell": c.key_cell, "key": c.key}
            )
            continue
        status = parse_status(c.status)
        if status is None:
            errors.append(
                _(
                    "%(cell)s: 対応状況「%(value)s」は選択肢（対応済／一部対応／未対応／該当なし）にありません。"
                )
                % {"cell": c.status_cell, "value": c.status[:50]}
            )
            continue
        change = _change(c, row, status, plan.notes)
        if change is None:
            continue
        if not row.editable:
            plan.notes.append(_why_skipped(c, row))
            continue
        try:
            validate_answer(row.item, change.new_status, change.new_text)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                cell = c.status_cell if field_name == "status" else c.answer_cell
                errors.extend(f"{cell}: {m}" for m in messages)
            continue
        plan.changes.append(change)
    if errors:
        raise ImportRefused(errors)
    return plan


def _change(c: FormCells, row, status: str, notes: list[str]) -> Change | None:
    """What the row asks to change, or None. A blank cell never deletes an answer."""
    answer = row.answer
    new_status = status or answer.status
    new_text = c.text if c.text.strip() else answer.text
    if not c.text.strip() and answer.text.strip() and row.editable:
        notes.append(
            _("%(cell)s: 空欄のため、No.%(n)s の既存の回答をそのまま残します。")
            % {"cell": c.answer_cell, "n": row.item.number}
        )
    if (new_status, new_text) == (answer.status, answer.text):
        return None
    return Change(
        key=row.item.key,
        number=row.item.number,
        cell=c.answer_cell,
        old_status=answer.status,
        new_status=new_status,
        old_text=answer.text,
        new_text=new_text,
        version=answer.version,
    )


def _why_skipped(c: FormCells, row) -> str:
    if not row.applies:
        reason = _("この確認票では適用外の項目です")
    elif row.item.is_ward_item:
        reason = _("区が回答する項目です")
    else:
        reason = _("この項目を編集する権限がありません")
    return _("%(cell)s: No.%(n)s は%(reason)s。取り込みません。") % {
        "cell": c.answer_cell,
        "n": row.item.number,
        "reason": reason,
    }
