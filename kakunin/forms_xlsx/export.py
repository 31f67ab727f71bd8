"""Writing a form as an xlsx workbook, filled from an assessment or blank, drawn
as its layout says (catalog.layout: its sheet, header rows, columns, status words,
print settings)."""

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
from kakunin.catalog.layout import Layout
from kakunin.catalog.models import Item, Template
from kakunin.core.xlsx import set_text
from kakunin.forms_xlsx import paging
from kakunin.forms_xlsx.layout import (
    BODY_SIZE,
    FONT_NAME,
    FORMAT,
    INPUT_FIELDS,
    META_SHEET,
    TEXT_FORMAT,
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
TITLE_HEIGHT = 20.0  # the header row, repeated on every page
HEADER_SIZE = 9  # the page header's and footer's text
HEADER_GAP = 12.0  # points kept free between the header's left and right texts
# The columns whose text decides a row's height.
PRINTED_TEXT = ("section", "subsection", "question", "answer", "plan", "target_date")


@dataclass
class Drawing:
    """One copy being drawn: the form's layout, the vendor's copy or the ward's, the
    scale it prints at and the page."""

    layout: Layout
    ward: bool
    scale: int
    page: tuple[float, float]

    @classmethod
    def of(cls, template: Template, ward: bool) -> "Drawing":
        layout = Layout.of(template)
        page = paging.page_size(layout.paper, layout.orientation)
        widths = [w for letter, w in layout.widths(ward).items() if letter != layout.letter("key")]
        return cls(layout, ward, paging.fitting_scale(widths, layout.scale, page), page)

    @property
    def widths(self) -> dict[str, float]:
        return self.layout.widths(self.ward)

    @property
    def visible(self) -> list[str]:
        """The letters of the columns printed across the page: every one but the key."""
        return [
            c.letter for c in self.layout.printed(self.ward) if c.field not in ("key", "verdict")
        ]

    @property
    def across(self) -> float:
        """The width, in characters, of a line across the visible columns."""
        return sum(self.layout.widths(False)[letter] for letter in self.visible)


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
    drawing = Drawing.of(template, ward=with_verdicts)
    ws.title = drawing.layout.sheet
    used = _write_heading(ws, drawing, template, assessment)
    _write_rows(ws, drawing, template, rows, used)
    if with_verdicts and drawing.layout.has("verdict"):
        _write_verdicts(ws, drawing.layout, rows)
    _page_setup(ws, drawing, template, assessment)
    _write_meta(wb, drawing.layout, template, assessment)
    return wb


def _merge_line(
    ws, drawing: Drawing, row: int, text: str, *, bold=False, size=BODY_SIZE, fill=None
) -> float:
    """A line across the visible columns; returns its height in points."""
    last = drawing.visible[-1]
    ws.merge_cells(f"A{row}:{last}{row}")
    cell = ws.cell(row=row, column=1)
    set_text(cell, text)
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.font = font(size, bold=bold)
    if fill:
        cell.fill = fill
    height = paging.height({last: text}, {last: drawing.across}, size)
    ws.row_dimensions[row].height = height
    return height


def _write_heading(ws, drawing: Drawing, template: Template, assessment) -> float:
    """The title, the instruction, the system and the column headers (one row, or a
    row of groups above them); returns their height."""
    if assessment:
        who = f"システム名: {assessment.system.name} ／ 区分: {assessment.phase_label}"
    else:
        who = "システム名: "
    used = _merge_line(ws, drawing, 1, template.name, bold=True, size=14)
    used += _merge_line(ws, drawing, 2, template.instruction)
    used += _merge_line(
        ws, drawing, 3, f"{who} ／ 様式: {template}（施行日 {template.effective_date}）"
    )
    layout, row = drawing.layout, drawing.layout.header_row
    columns = [c for c in layout.printed(drawing.ward) if c.field != "verdict"]
    for column in columns:
        _header_cell(ws[f"{column.letter}{row}"], column.heading)
    if layout.header_rows == 2:
        _group_row(ws, columns, row - 1)
    ws.row_dimensions[row].height = TITLE_HEIGHT
    for col, width in drawing.widths.items():
        ws.column_dimensions[col].width = width
    if layout.has("key"):
        ws.column_dimensions[layout.letter("key")].hidden = True
    ws.freeze_panes = f"A{row + 1}"
    return used + TITLE_HEIGHT * layout.header_rows


def _header_cell(cell, text: str) -> None:
    cell.value = text
    cell.font = font(bold=True)
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = CENTER


def _group_row(ws, columns, row: int) -> None:
    """The upper header row: a group's heading merged across its columns, a column
    without a group merged down over both rows, as municipalities draw them."""
    ws.row_dimensions[row].height = TITLE_HEIGHT
    index = 0
    while index < len(columns):
        column = columns[index]
        if not column.group:
            _header_cell(ws[f"{column.letter}{row}"], column.heading)
            ws[f"{column.letter}{row + 1}"].value = None
            ws.merge_cells(f"{column.letter}{row}:{column.letter}{row + 1}")
            index += 1
            continue
        end = index
        while end + 1 < len(columns) and columns[end + 1].group == column.group:
            end += 1
        _header_cell(ws[f"{column.letter}{row}"], column.group)
        if end > index:
            ws.merge_cells(f"{column.letter}{row}:{columns[end].letter}{row}")
        index = end + 1


def question_cell(item: Item, template: Template) -> str:
    """The question as the form prints it: conditions, question, examples."""
    parts = [template.conditions[c]["label"] for c in item.condition]
    parts.append(item.question)
    if item.examples:
        parts.append("【記載例】")
        parts.extend(item.examples)
    return "\n".join(parts)


def _validations(ws, layout: Layout) -> tuple[DataValidation, DataValidation]:
    words = [layout.word(s) for s in layout.status_words]
    status_list = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(words)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=layout.heading("status", "対応状況"),
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


def _write_rows(ws, drawing: Drawing, template, rows: list[FormRow], used: float):
    """The body, page by page: a page starts where the next row would not fit, and
    the first row of each page names its section and sub-section again."""
    layout = drawing.layout
    status_list, date_hint = _validations(ws, layout)
    room = paging.printable_height(drawing.scale / 100, drawing.page)
    excel_row, standard, fresh_page = layout.header_row + 1, None, False
    previous: FormRow | None = None
    heading = TITLE_HEIGHT * layout.header_rows

    def new_page():
        nonlocal used, fresh_page
        ws.row_breaks.append(Break(id=excel_row - 1))
        used, fresh_page = heading, True

    for row in rows:
        if row.item.standard != standard:
            standard = row.item.standard
            banner = template.standards.get(standard, {}).get("banner", "")
            if banner:
                # A banner is kept on the page of the item it introduces.
                needed = _banner_height(drawing, banner) + _item_height(
                    drawing, template, row, None
                )
                if used + needed > room and used > heading:
                    new_page()
                used += _merge_line(ws, drawing, excel_row, banner, bold=True)
                excel_row += 1
        shown = None if fresh_page else previous
        h = _item_height(drawing, template, row, shown)
        if used + h > room and used > heading:
            new_page()
            h = _item_height(drawing, template, row, None)
            shown = None
        _write_item(ws, layout, excel_row, template, row, shown)
        ws.row_dimensions[excel_row].height = h
        if row.yellow and layout.has("status"):
            status_list.add(f"{layout.letter('status')}{excel_row}")
        if row.yellow and layout.has("target_date"):
            date_hint.add(f"{layout.letter('target_date')}{excel_row}")
        used += h
        excel_row += 1
        previous, fresh_page = row, False


def _banner_height(drawing: Drawing, text: str) -> float:
    return paging.height({"A": text}, {"A": drawing.across}, BODY_SIZE)


def _headings(row: FormRow, previous: FormRow | None) -> tuple[str, str]:
    """The section and sub-section printed on this row: on the first row of a page
    and wherever they change; blank below, as in the ward's form."""
    item = row.item
    if previous is None or previous.item.section != item.section:
        return item.section, item.subsection
    if previous.item.subsection != item.subsection:
        return "", item.subsection
    return "", ""


def _item_values(layout: Layout, template: Template, row: FormRow, previous) -> dict:
    item = row.item
    section, subsection = _headings(row, previous)
    return {
        "number": item.label or item.number,
        "section": section,
        "subsection": subsection,
        "question": question_cell(item, template),
        "answer": row.text,
        "status": layout.word(row.status) if row.applies else layout.not_applicable_label,
        "plan": row.plan,
        "target_date": row.target_date,
        "key": item.key,
    }


def _item_height(drawing: Drawing, template, row: FormRow, previous: FormRow | None) -> float:
    layout = drawing.layout
    values = _item_values(layout, template, row, previous)
    texts = {layout.letter(f): str(values[f]) for f in PRINTED_TEXT if layout.has(f)}
    if drawing.ward and layout.has("verdict"):
        texts[layout.letter("verdict")] = row.verdict
    return paging.height(texts, drawing.widths, BODY_SIZE)


def _write_item(ws, layout: Layout, r: int, template: Template, row: FormRow, previous):
    """One item on one row; its input cells are text cells (what is typed stays text)."""
    values = _item_values(layout, template, row, previous)
    body = font()
    for column in layout.columns:
        field, col = column.field, column.letter
        if field == "verdict":
            continue
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


def _write_verdicts(ws, layout: Layout, rows: list[FormRow]):
    column = layout.column("verdict")
    assert column is not None  # the caller asked layout.has("verdict")
    col, first = column.letter, layout.header_row
    _header_cell(ws[f"{col}{first}"], column.heading)
    if layout.header_rows == 2:
        _header_cell(ws[f"{col}{first - 1}"], column.group or column.heading)
        if not column.group:
            ws[f"{col}{first}"].value = None
            ws.merge_cells(f"{col}{first - 1}:{col}{first}")
    by_key = {row.item.key: row for row in rows}
    for r in range(first + 1, ws.max_row + 1):
        key = ws[f"{layout.letter('key')}{r}"].value
        if key in by_key:
            cell = ws[f"{col}{r}"]
            set_text(cell, by_key[key].verdict)
            cell.border, cell.alignment, cell.font = BORDER, WRAP, font()


def _page_setup(ws, drawing: Drawing, template: Template, assessment: Assessment | None):
    layout, scale = drawing.layout, drawing.scale
    ws.page_setup.paperSize = ws.PAPERSIZE_A4 if layout.paper == "A4" else ws.PAPERSIZE_A3
    ws.page_setup.orientation = (
        ws.ORIENTATION_LANDSCAPE if layout.orientation == "landscape" else ws.ORIENTATION_PORTRAIT
    )
    # A fixed scale, not "fit to width": the pages break where _write_rows put them.
    ws.page_setup.scale = scale
    first = layout.header_row - layout.header_rows + 1
    ws.print_title_rows = f"{first}:{layout.header_row}"
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
    half = paging.printable_width(scale / 100, drawing.page) / 2 - HEADER_GAP
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


def _write_meta(wb, layout: Layout, template: Template, assessment: Assessment | None):
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    values = [
        ("format", FORMAT),
        ("template_key", template.key),
        ("template_version", template.version),
        ("template_name", template.name),
        ("sheet", layout.sheet),
        ("assessment_id", assessment.pk if assessment else ""),
        ("system", assessment.system.name if assessment else ""),
        ("phase", assessment.phase_label if assessment else ""),
        ("exported_at", timezone.now().isoformat(timespec="seconds")),
    ]
    for i, (key, value) in enumerate(values, start=1):
        meta.cell(row=i, column=1, value=key)
        set_text(meta.cell(row=i, column=2), value)
