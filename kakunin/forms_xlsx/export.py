"""Writing the ward's form as an xlsx workbook, filled from an assessment or blank."""

from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from kakunin.assessments.models import Assessment, Status
from kakunin.assessments.page import attach_details
from kakunin.assessments.sheet import build_sheet
from kakunin.catalog.models import Item, Template
from kakunin.core.xlsx import set_text
from kakunin.forms_xlsx import paging
from kakunin.forms_xlsx.layout import (
    BODY_SIZE,
    COLUMNS,
    FONT_NAME,
    FORMAT,
    HEADER_ROW,
    INPUT_FIELDS,
    META_SHEET,
    NOT_APPLICABLE_LABEL,
    SCALE,
    SHEET_TITLE,
    STATUS_LABELS_JA,
    TEXT_FORMAT,
    VENDOR_WIDTHS,
    VERDICT_COLUMN,
    WARD_WIDTHS,
    font,
)

YELLOW = PatternFill("solid", fgColor="FFFF00")
GREY = PatternFill("solid", fgColor="D9D9D9")
HEADER_FILL = PatternFill("solid", fgColor="BDD7EE")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
UNLOCKED = Protection(locked=False)
LAST_COLUMN = COLUMNS["target_date"][0]  # the last visible column of the vendor's copy
TITLE_HEIGHT = 20.0  # the header row, repeated on every page
HEADER_SIZE = 9  # the page header's and footer's text
HEADER_GAP = 12.0  # points kept free between the header's left and right texts
# The columns whose text decides a row's height.
PRINTED_TEXT = ("section", "subsection", "question", "answer", "plan", "target_date")


@dataclass
class FormRow:
    item: Item
    status: str
    text: str
    applies: bool
    yellow: bool  # the vendor fills this row
    verdict: str = ""  # for the ward's copy: the verdict and the comments
    plan: str = ""
    target_date: str = ""


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
            r.answer.plan,
            r.answer.target_date.isoformat() if r.answer.target_date else "",
        )
        for section in sections
        for r in section.rows
    ]


def _verdict_text(row) -> str:
    lines = [str(row.answer.get_verdict_display())] if row.answer.verdict else []
    lines += [f"{c.author.full_name}: {c.body}" for c in row.details.get("comments", [])]
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
    widths, scale = (WARD_WIDTHS if with_verdicts else VENDOR_WIDTHS), SCALE
    printed = [w for col, w in widths.items() if col != COLUMNS["key"][0]]
    assert sum(map(paging.printed_points, printed)) <= paging.printable_width(scale / 100)
    used = _write_heading(ws, template, assessment, widths)
    _write_rows(ws, template, rows, widths, scale, used, with_verdicts)
    if with_verdicts:
        _write_verdicts(ws, rows)
    _page_setup(ws, template, assessment, scale)
    _write_meta(wb, template, assessment)
    return wb


def _merge_line(ws, row: int, text: str, *, bold=False, size=BODY_SIZE, fill=None) -> float:
    """A line across the visible columns; returns its height in points."""
    ws.merge_cells(f"A{row}:{LAST_COLUMN}{row}")
    cell = ws.cell(row=row, column=1)
    set_text(cell, text)
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.font = font(size, bold=bold)
    if fill:
        cell.fill = fill
    across: dict[str, float] = {LAST_COLUMN: sum(VENDOR_WIDTHS[c] for c in "ABCDEFGH")}
    height = paging.height({LAST_COLUMN: text}, across, size)
    ws.row_dimensions[row].height = height
    return height


def _write_heading(ws, template: Template, assessment: Assessment | None, widths) -> float:
    """The title, the instruction, the system and the column headers; returns their height."""
    if assessment:
        who = f"システム名: {assessment.system.name} ／ 区分: {assessment.phase_label}"
    else:
        who = "システム名: "
    used = _merge_line(ws, 1, template.name, bold=True, size=14)
    used += _merge_line(ws, 2, template.instruction)
    used += _merge_line(ws, 3, f"{who} ／ 様式: {template}（施行日 {template.effective_date}）")
    for col, title in COLUMNS.values():
        cell = ws[f"{col}{HEADER_ROW}"]
        cell.value = title
        cell.font = font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = CENTER
    ws.row_dimensions[HEADER_ROW].height = TITLE_HEIGHT
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.column_dimensions[COLUMNS["key"][0]].hidden = True
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    return used + TITLE_HEIGHT


def question_cell(item: Item, template: Template) -> str:
    """The question as the form prints it: conditions, question, examples."""
    parts = [template.conditions[c]["label"] for c in item.condition]
    parts.append(item.question)
    if item.examples:
        parts.append("【記載例】")
        parts.extend(item.examples)
    return "\n".join(parts)


def _validations(ws) -> tuple[DataValidation, DataValidation]:
    status_list = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(STATUS_LABELS_JA[s] for s in STATUS_LABELS_JA)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="対応状況",
        error="一覧から選んでください。",
    )
    date_hint = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        promptTitle="対応予定日",
        prompt="例: 2026/4/1、令和8年4月1日",
    )
    ws.add_data_validation(status_list)
    ws.add_data_validation(date_hint)
    return status_list, date_hint


def _write_rows(ws, template, rows: list[FormRow], widths, scale: int, used: float, verdicts):
    """The body, page by page: a page starts where the next row would not fit, and
    the first row of each page names its section and sub-section again."""
    status_list, date_hint = _validations(ws)
    room = paging.printable_height(scale / 100)
    excel_row, standard, fresh_page = HEADER_ROW + 1, None, False
    previous: FormRow | None = None

    def new_page():
        nonlocal used, fresh_page
        ws.row_breaks.append(Break(id=excel_row - 1))
        used, fresh_page = TITLE_HEIGHT, True

    for row in rows:
        if row.item.standard != standard:
            standard = row.item.standard
            banner = template.standards.get(standard, {}).get("banner", "")
            if banner:
                # A banner is kept on the page of the item it introduces.
                needed = _banner_height(banner) + _item_height(
                    template, row, widths, None, verdicts
                )
                if used + needed > room and used > TITLE_HEIGHT:
                    new_page()
                used += _merge_line(ws, excel_row, banner, bold=True)
                excel_row += 1
        shown = None if fresh_page else previous
        h = _item_height(template, row, widths, shown, verdicts)
        if used + h > room and used > TITLE_HEIGHT:
            new_page()
            h = _item_height(template, row, widths, None, verdicts)
            shown = None
        _write_item(ws, excel_row, template, row, shown)
        ws.row_dimensions[excel_row].height = h
        if row.yellow:
            status_list.add(f"{COLUMNS['status'][0]}{excel_row}")
            date_hint.add(f"{COLUMNS['target_date'][0]}{excel_row}")
        used += h
        excel_row += 1
        previous, fresh_page = row, False


def _banner_height(text: str) -> float:
    return paging.height({"A": text}, {"A": sum(VENDOR_WIDTHS[c] for c in "ABCDEFGH")}, BODY_SIZE)


def _headings(row: FormRow, previous: FormRow | None) -> tuple[str, str]:
    """The section and sub-section printed on this row: on the first row of a page
    and wherever they change; blank below, as in the ward's form."""
    item = row.item
    if previous is None or previous.item.section != item.section:
        return item.section, item.subsection
    if previous.item.subsection != item.subsection:
        return "", item.subsection
    return "", ""


def _item_values(template: Template, row: FormRow, previous: FormRow | None) -> dict:
    item = row.item
    section, subsection = _headings(row, previous)
    return {
        "number": item.number,
        "section": section,
        "subsection": subsection,
        "question": question_cell(item, template),
        "answer": row.text,
        "status": STATUS_LABELS_JA.get(row.status, "") if row.applies else NOT_APPLICABLE_LABEL,
        "plan": row.plan,
        "target_date": row.target_date,
        "key": item.key,
    }


def _item_height(template, row: FormRow, widths, previous: FormRow | None, verdicts) -> float:
    values = _item_values(template, row, previous)
    texts = {COLUMNS[f][0]: str(values[f]) for f in PRINTED_TEXT}
    if verdicts:
        texts[VERDICT_COLUMN[0]] = row.verdict
    return paging.height(texts, widths, BODY_SIZE)


def _write_item(ws, r: int, template: Template, row: FormRow, previous: FormRow | None):
    """One item on one row; its input cells are text cells (what is typed stays text)."""
    values = _item_values(template, row, previous)
    body = font()
    for field, (col, _title) in COLUMNS.items():
        cell = ws[f"{col}{r}"]
        set_text(cell, values[field])
        cell.font = body
        cell.border = BORDER
        cell.alignment = CENTER if field in ("number", "status", "target_date") else WRAP
        if field in INPUT_FIELDS:
            cell.number_format = TEXT_FORMAT
            if row.yellow:
                cell.fill = YELLOW
                cell.protection = UNLOCKED
            elif not row.applies:
                cell.fill = GREY


def _write_verdicts(ws, rows: list[FormRow]):
    col, title = VERDICT_COLUMN
    header = ws[f"{col}{HEADER_ROW}"]
    header.value, header.font, header.fill, header.border, header.alignment = (
        title,
        font(bold=True),
        HEADER_FILL,
        BORDER,
        CENTER,
    )
    by_key = {row.item.key: row for row in rows}
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        key = ws[f"{COLUMNS['key'][0]}{r}"].value
        if key in by_key:
            cell = ws[f"{col}{r}"]
            set_text(cell, by_key[key].verdict)
            cell.border, cell.alignment, cell.font = BORDER, WRAP, font()


def _page_setup(ws, template: Template, assessment: Assessment | None, scale: int):
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    # A fixed scale, not "fit to width": the pages break where _write_rows put them.
    ws.page_setup.scale = scale
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    margins = ws.page_margins
    margins.left = margins.right = paging.MARGIN_SIDE
    margins.top, margins.bottom = paging.MARGIN_TOP, paging.MARGIN_BOTTOM
    margins.header, margins.footer = paging.HEADER_MARGIN, paging.FOOTER_MARGIN
    name = assessment.system.name if assessment else ""
    # The ward's form prints its policy line on every page: it goes in the header, on
    # the left, the form on the right, each in its half of the page (a section of a
    # header does not wrap: a long one ran over its neighbour). The system and the
    # page number go in the footer.
    half = paging.printable_width(scale / 100) / 2 - HEADER_GAP
    for part, text in (
        (ws.oddHeader.left, paging.header_lines(template.policy_line, half, HEADER_SIZE)),
        (
            ws.oddHeader.right,
            paging.header_lines(f"{template.name} 第{template.version}版", half, HEADER_SIZE),
        ),
        (ws.oddFooter.left, paging.header_lines(name, half, HEADER_SIZE)),
    ):
        part.text = text.replace("&", "&&")
        part.size, part.font = HEADER_SIZE, f"{FONT_NAME},Regular"
    ws.oddFooter.right.text = "&P / &N"
    ws.oddFooter.right.size, ws.oddFooter.right.font = HEADER_SIZE, f"{FONT_NAME},Regular"
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
        ("template_name", template.name),
        ("sheet", SHEET_TITLE),
        ("assessment_id", assessment.pk if assessment else ""),
        ("system", assessment.system.name if assessment else ""),
        ("phase", assessment.phase_label if assessment else ""),
        ("exported_at", timezone.now().isoformat(timespec="seconds")),
    ]
    for i, (key, value) in enumerate(values, start=1):
        meta.cell(row=i, column=1, value=key)
        set_text(meta.cell(row=i, column=2), value)
