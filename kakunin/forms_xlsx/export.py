"""Writing the ward's form as an xlsx workbook, filled from an assessment or blank."""

import io
import math
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kakunin.assessments.models import Assessment, Status
from kakunin.assessments.page import attach_details
from kakunin.assessments.sheet import build_sheet
from kakunin.catalog.models import Item, Template
from kakunin.forms_xlsx.layout import (
    COLUMNS,
    FORMAT,
    HEADER_ROW,
    META_SHEET,
    NOT_APPLICABLE_LABEL,
    SHEET_TITLE,
    STATUS_LABELS_JA,
    VERDICT_COLUMN,
    WIDTHS,
)

YELLOW = PatternFill("solid", fgColor="FFFF00")
GREY = PatternFill("solid", fgColor="D9D9D9")
HEADER_FILL = PatternFill("solid", fgColor="BDD7EE")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
UNLOCKED = Protection(locked=False)
LINE_HEIGHT = 15  # points per printed line at 10.5pt


@dataclass
class FormRow:
    item: Item
    status: str
    text: str
    applies: bool
    yellow: bool  # the vendor fills this row
    verdict: str = ""  # for the ward's copy: the verdict and the comments


def rows_of_assessment(assessment: Assessment, with_verdicts: bool = False) -> list[FormRow]:
    sections = build_sheet(assessment)
    if with_verdicts:
        attach_details(assessment, sections)
    return [
        FormRow(
            r.item,
            r.answer.status,
            r.answer.text,
            r.applies,
            r.applies and not r.item.is_ward_item,
            _verdict_text(r) if with_verdicts else "",
        )
        for section in sections
        for r in section.rows
    ]


def _verdict_text(row) -> str:
    lines = [str(row.answer.get_verdict_display())] if row.answer.verdict else []
    lines += [f"{c.author.full_name}: {c.body}" for c in row.comments]
    return "\n".join(lines)


def rows_of_template(template: Template) -> list[FormRow]:
    return [
        FormRow(
            item,
            Status.WARD if item.is_ward_item else "",
            item.preset_answer,
            True,
            not item.is_ward_item,
        )
        for item in template.items.all()
    ]


def build_workbook(
    template: Template,
    rows: list[FormRow],
    assessment: Assessment | None = None,
    with_verdicts=False,
):
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    _write_heading(ws, template, assessment)
    _write_rows(ws, template, rows)
    if with_verdicts:
        _write_verdicts(ws, rows)
    _page_setup(ws, template, assessment)
    _write_meta(wb, template, assessment)
    return wb


# What the workbook says made it: no product or version (item 37). openpyxl writes
# "Microsoft Excel Compatible / Openpyxl 3.1.5" into docProps/app.xml on every save.
APP_PROPERTIES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>" + settings.SITE_NAME.encode() + b"</Application></Properties>"
)


def to_bytes(wb) -> bytes:
    wb.properties.creator = wb.properties.lastModifiedBy = settings.SITE_NAME
    out = io.BytesIO()
    wb.save(out)
    return neutral_app_properties(out.getvalue())


def neutral_app_properties(data: bytes) -> bytes:
    """The xlsx with docProps/app.xml naming the site, not the library and its version."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = APP_PROPERTIES if info.filename == "docProps/app.xml" else src.read(info)
            dst.writestr(info, content)
    return out.getvalue()


def _set_text(cell, value):
    """Store text as text: never as a formula, never with characters xlsx forbids."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _merge_line(ws, row: int, text: str, *, font=None, fill=None, height=None):
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
    cell = ws.cell(row=row, column=1)
    _set_text(cell, text)
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if height:
        ws.row_dimensions[row].height = height


def _write_heading(ws, template: Template, assessment: Assessment | None):
    _merge_line(ws, 1, template.name, font=Font(bold=True, size=14), height=24)
    _merge_line(ws, 2, template.instruction)
    if assessment:
        who = f"システム名: {assessment.system.name} ／ 区分: {assessment.phase_label}"
    else:
        who = "システム名: "
    _merge_line(ws, 3, f"{who} ／ 様式: {template}（施行日 {template.effective_date}）")
    for col, title in COLUMNS.values():
        cell = ws[f"{col}{HEADER_ROW}"]
        cell.value = title
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = CENTER
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.column_dimensions[COLUMNS["key"][0]].hidden = True
    ws.freeze_panes = f"A{HEADER_ROW + 1}"


def _question_cell(template: Template, item: Item) -> str:
    parts = [template.conditions[c]["label"] for c in item.condition]
    parts.append(item.question)
    if item.examples:
        parts.append("【記載例】")
        parts.extend(item.examples)
    return "\n".join(parts)


def _estimated_lines(text: str, width: int) -> int:
    # A full-width character takes about two column units.
    per_line = max(1, int(width * 0.95 / 2))
    return sum(max(1, math.ceil(len(line) / per_line)) for line in (text or "").split("\n"))


def _write_rows(ws, template: Template, rows: list[FormRow]):
    excel_row, standard = HEADER_ROW + 1, None
    spans: dict[str, list[tuple[int, int, object]]] = {"section": [], "subsection": []}
    status_list = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(STATUS_LABELS_JA[s] for s in STATUS_LABELS_JA)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="対応状況",
        error="一覧から選んでください。",
    )
    ws.add_data_validation(status_list)
    for row in rows:
        if row.item.standard != standard:
            standard = row.item.standard
            banner = template.standards.get(standard, {}).get("banner", "")
            if banner:
                lines = banner.count("\n") + 1
                _merge_line(
                    ws, excel_row, banner, font=Font(bold=True), height=LINE_HEIGHT * lines + 4
                )
                excel_row += 1
        _write_item(ws, excel_row, template, row, status_list)
        # A sub-section merges only within its section (15 and 16 share a name).
        keys = {"section": row.item.section, "subsection": (row.item.section, row.item.subsection)}
        for field, value in keys.items():
            span = spans[field]
            if span and span[-1][2] == value and span[-1][1] == excel_row - 1:
                span[-1] = (span[-1][0], excel_row, value)
            else:
                span.append((excel_row, excel_row, value))
        excel_row += 1
    for field in ("section", "subsection"):
        col = ord(COLUMNS[field][0]) - ord("A") + 1
        for start, end, _value in spans[field]:
            if end > start:
                ws.merge_cells(start_row=start, start_column=col, end_row=end, end_column=col)


def _write_item(ws, r: int, template: Template, row: FormRow, status_list):
    item = row.item
    question = _question_cell(template, item)
    status = STATUS_LABELS_JA.get(row.status, "") if row.applies else NOT_APPLICABLE_LABEL
    values = {
        "number": item.number,
        "section": item.section,
        "subsection": item.subsection,
        "question": question,
        "answer": row.text,
        "status": status,
        "key": item.key,
    }
    for field, (col, _title) in COLUMNS.items():
        cell = ws[f"{col}{r}"]
        _set_text(cell, values[field])
        cell.border = BORDER
        cell.alignment = CENTER if field in ("number", "status") else WRAP
        if field in ("answer", "status"):
            if row.yellow:
                cell.fill = YELLOW
                cell.protection = UNLOCKED
            elif not row.applies:
                cell.fill = GREY
    if row.yellow:
        status_list.add(f"{COLUMNS['status'][0]}{r}")
    lines = max(
        _estimated_lines(question, WIDTHS["D"]),
        _estimated_lines(row.text, WIDTHS["E"]),
        _estimated_lines(item.subsection, WIDTHS["C"]),
    )
    ws.row_dimensions[r].height = min(409, LINE_HEIGHT * lines + 4)


def _write_verdicts(ws, rows: list[FormRow]):
    col, title = VERDICT_COLUMN
    header = ws[f"{col}{HEADER_ROW}"]
    header.value, header.font, header.fill, header.border, header.alignment = (
        title,
        Font(bold=True),
        HEADER_FILL,
        BORDER,
        CENTER,
    )
    by_key = {row.item.key: row for row in rows}
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        key = ws[f"{COLUMNS['key'][0]}{r}"].value
        if key in by_key:
            cell = ws[f"{col}{r}"]
            _set_text(cell, by_key[key].verdict)
            cell.border, cell.alignment = BORDER, WRAP


def _page_setup(ws, template: Template, assessment: Assessment | None):
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    name = assessment.system.name if assessment else ""
    ws.oddHeader.left.text = name.replace("&", "&&")
    ws.oddHeader.right.text = f"{template.name} 第{template.version}版".replace("&", "&&")
    ws.oddFooter.center.text = "&P / &N"
    # Only the yellow cells are meant to be typed in; the rest is protected
    # (without a password) so that a question is not changed by accident.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _write_meta(wb, template: Template, assessment: Assessment | None):
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    values = [
        ("format", FORMAT),
        ("template_key", template.key),
        ("template_version", template.version),
        ("assessment_id", assessment.pk if assessment else ""),
        ("system", assessment.system.name if assessment else ""),
        ("exported_at", timezone.now().isoformat(timespec="seconds")),
    ]
    for i, (key, value) in enumerate(values, start=1):
        meta.cell(row=i, column=1, value=key)
        _set_text(meta.cell(row=i, column=2), value)
