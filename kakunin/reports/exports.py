"""The yearly report shown and exported: the page, the PDF for the 決裁 (with the box
for the approval stamps), Excel and JSON all lay out the same content
(annual.content_of), section by section, in the reader's language.

A section with nothing in the year says so in words; it is never left blank.
"""

import json
from dataclasses import dataclass, field

import openpyxl
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl.styles import Alignment, Font, PatternFill

from kakunin.core import jinja, xlsx
from kakunin.core.text import Text
from kakunin.inventory import eol
from kakunin.inventory.models import Kind as ComponentKind
from kakunin.inventory.models import Response, Severity
from kakunin.records.kinds import KINDS
from kakunin.reports import annual, pdf
from kakunin.reports.models import SECTIONS, AnnualReport, numbered, numbered_sections

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"pdf": "application/pdf", "xlsx": XLSX, "json": "application/json"}


@dataclass
class Entry:
    """One record of a section: its day, who entered it, its fields as (label, value)
    where a value may be a table ({"columns", "rows"}), its files, what to notice."""

    date: str
    until: str | None
    entered_by: str
    fields: list[tuple[str, object]]
    files: list[dict]
    problems: list[str]
    comments: list[dict]
    scan: dict | None = None


@dataclass
class Section:
    key: str
    items: str  # the numbers of the items of the system's form: "68–69"
    title: str
    columns: list[str] = field(default_factory=list)  # software, vulnerabilities: a table
    rows: list[list[str]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # the records' sections

    @property
    def label(self) -> str:
        return numbered(self.items, self.title)

    @property
    def rows_html(self) -> SafeString:
        """The table's rows as HTML (Jinja2: 200 rows of 10 cells in a few ms)."""
        return jinja.fragment("reports/rows.html", rows=self.rows)

    @property
    def lines(self) -> list[str]:
        """The table's rows as lines (the PDF), an empty cell as —."""
        return ["｜".join(cell or "—" for cell in row) for row in self.rows]

    @property
    def empty(self) -> bool:
        return not self.rows and not self.entries

    @property
    def empty_text(self) -> str:
        if self.key == "software":
            return _("構成要素が登録されていません。")
        if self.key == "vulnerabilities":
            return _("この年度に該当した脆弱性情報はありません。")
        return _("この年度の記録はありません。")


SOFTWARE_COLUMNS = [
    ("kind", gettext_lazy("種別")), ("maker", gettext_lazy("製造元")), ("product", gettext_lazy("製品名")),
    ("version", gettext_lazy("バージョン")), ("location", gettext_lazy("稼働場所")),
    ("latest_version", gettext_lazy("最新バージョン")), ("not_latest_reason", gettext_lazy("最新でない理由")),
    ("planned_update", gettext_lazy("更新予定日")), ("support", gettext_lazy("サポート状況")),
    ("support_ends", gettext_lazy("サポート終了日")),
]  # fmt: skip
VULNERABILITY_COLUMNS = [
    ("ident", gettext_lazy("識別子")), ("severity", gettext_lazy("深刻度")), ("component", gettext_lazy("構成要素")),
    ("first_seen", gettext_lazy("検知日")), ("response", gettext_lazy("対応")),
    ("response_date", gettext_lazy("対応日・予定日")), ("response_note", gettext_lazy("対応の内容")),
    ("closed", gettext_lazy("解消日")),
]  # fmt: skip


# The columns kept as codes in the content, with the choices that name them: each
# reader sees the words of their language. (Reports submitted before kept the words of
# the day: those are shown as they are.)
WORDS = {
    "kind": ComponentKind,
    "support": eol.EolState,
    "severity": Severity,
    "response": Response.Kind,
}


def word(key: str, value):
    choices = WORDS.get(key)
    if choices is not None and value in choices.values:
        return choices(value).label
    return value


def sections(report: AnnualReport, content: dict) -> list[Section]:
    out = []
    for key, items, title in numbered_sections(report.system):
        section = Section(key, items, title)
        if key in ("software", "vulnerabilities"):
            columns = SOFTWARE_COLUMNS if key == "software" else VULNERABILITY_COLUMNS
            section.columns = [str(label) for _k, label in columns]
            section.rows = [
                [_cell(word(k, row.get(k))) for k, _label in columns] for row in content[key]
            ]
        else:
            form = KINDS[annual.SECTION_KINDS[key]]
            section.entries = [_entry(form, r) for r in content[key]]
        out.append(section)
    return out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    return str(value)


def _entry(form, record: dict) -> Entry:
    fields = form.display(record["data"])
    return Entry(
        date=record["date"],
        until=record["until"],
        entered_by=record["entered_by"],
        fields=fields,
        files=record["files"],
        problems=[str(Text.from_json(p)) for p in record["problems"]],
        comments=record["comments"],
        scan=record.get("scan"),
    )


def render(report: AnnualReport, fmt: str) -> bytes:
    content = annual.content_of(report)
    if fmt == "json":
        return as_json(content)
    if fmt == "xlsx":
        return as_xlsx(report, content)
    return as_pdf(report, content)


def as_json(content: dict) -> bytes:
    """The content as it is, each problem in Japanese (the ward's language)."""
    out = dict(content)
    with override("ja"):
        for key in ("software", "vulnerabilities"):
            out[key] = [
                {**row, **{f"{k}_label": str(word(k, row[k])) for k in WORDS if row.get(k)}}
                for row in content[key]
            ]
    for key, _controls, _title in SECTIONS:
        if key in annual.SECTION_KINDS:
            out[key] = [
                {**r, "problems": [Text.from_json(p).ja for p in r["problems"]]}
                for r in content[key]
            ]
    return json.dumps(out, ensure_ascii=False, indent=2).encode()


def page_context(report: AnnualReport, content: dict) -> dict:
    return {
        "report": report,
        "content": content,
        # Whose report: the municipality's name and its policy line head every page.
        "municipality": report.system.municipality,
        "sections": sections(report, content),
        "meta": annual.meta(report.fiscal_year),
        "reviews": {r.section: r for r in report.reviews.select_related("by")} if report.pk else {},
    }


def pdf_html(report: AnnualReport, content: dict) -> str:
    return render_to_string("reports/annual_pdf.html", page_context(report, content))


def as_pdf(report: AnnualReport, content: dict) -> bytes:
    return pdf.write(pdf_html(report, content))[0]


HEAD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")


def as_xlsx(report: AnnualReport, content: dict) -> bytes:
    """A cover sheet, then one sheet per section (a table each: filters work)."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = _("表紙")[:31]
    meta = annual.meta(report.fiscal_year)
    for row in (
        [_("年次報告")],
        [_("システム"), content["system"]["name"]],
        [_("所管課"), content["system"]["department"]],
        [_("事業者"), "、".join(content["system"]["vendors"])],
        [
            _("年度"),
            _("%(year)s年度（%(start)s〜%(end)s）")
            % {"year": content["fiscal_year"], "start": meta["start"], "end": meta["end"]},
        ],
        [_("状態"), str(report.get_state_display())],
    ):
        _append(cover, row)
    cover["A1"].font = Font(bold=True, size=14)
    cover.column_dimensions["A"].width = 16
    cover.column_dimensions["B"].width = 60
    for section in sections(report, content):
        ws = wb.create_sheet(f"{section.items} {section.title}".strip()[:31].replace("/", "・"))
        _append(ws, [section.label])
        ws["A1"].font = Font(bold=True, size=12)
        if section.empty:
            _append(ws, [section.empty_text])
            continue
        if section.columns:
            header, rows = section.columns, section.rows
        else:
            header = [
                _("日付"),
                _("入力者"),
                *[label for label, _v in section.entries[0].fields],
                _("添付"),
                _("注意点"),
            ]
            rows = [
                [
                    e.date,
                    e.entered_by,
                    *[_flat(v) for _l, v in e.fields],
                    "\n".join(f["name"] for f in e.files),
                    "\n".join(e.problems),
                ]
                for e in section.entries
            ]
        _append(ws, header)
        for cell in ws[2]:
            cell.font, cell.fill = HEAD, HEAD_FILL
        for row in rows:
            _append(ws, row)
        for column in ws.iter_cols(min_row=2):
            ws.column_dimensions[column[0].column_letter].width = 24
            for cell in column:
                cell.alignment = WRAP
        ws.auto_filter.ref = f"A2:{ws.cell(row=2, column=len(header)).column_letter}{ws.max_row}"
        ws.freeze_panes = "A3"
    return xlsx.to_bytes(wb)


def _append(ws, values) -> None:
    row = ws.max_row + 1 if ws.max_row > 1 or ws["A1"].value is not None else 1
    for column, value in enumerate(values, start=1):
        xlsx.set_text(ws.cell(row=row, column=column), value)


def _flat(value) -> str:
    if isinstance(value, dict):
        return "\n".join(" / ".join(c for c in row if c) for row in value["rows"])
    return str(value)
