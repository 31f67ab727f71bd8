"""The second stage: which sheet is the form, where its header row and its columns
are, and whether the workbook is this assessment's."""

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kakunin.assessments.models import (
    Assessment,
)
from kakunin.catalog.layout import Layout
from kakunin.catalog.models import Template
from kakunin.forms_xlsx.importer.plan import HEADER_SEARCH_ROWS, MAX_COLUMNS, MAX_ROWS, _at
from kakunin.forms_xlsx.layout import FORMATS_READ, META_SHEET
from kakunin.staging.models import ImportRefused


def fold(text: str) -> str:
    """Text compared the way a person reads it: full-width and half-width alike,
    spaces and line breaks ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def number_key(value) -> int | str:
    """An item's printed number as rows are matched by it: 5, "1-1", "(3)"."""
    text = fold(str(value)).casefold()
    return int(text) if text.isdigit() else text


@dataclass
class Form:
    sheet: Any  # an openpyxl Worksheet
    header_row: int
    columns: dict[str, int]  # field -> 0-based column
    others: dict[int, str]  # 0-based column -> the title of a column Kakunin does not know
    by_number: bool  # the ward's original form: no item keys
    layout: Layout
    # The printed numbers of the form's items that are not plain numbers ("1-1").
    labels: frozenset = frozenset()


def _header(ws, layout: Layout) -> tuple[int, dict[str, int], dict[int, str]] | None:
    """The header row: the first row naming the answer column and two more of the
    form's columns. On a form with two header rows, a heading merged down over both
    is read from the row above."""
    titles = layout.headings()
    above: tuple = ()
    for number, values in enumerate(
        ws.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=MAX_COLUMNS, values_only=True), start=1
    ):
        columns: dict[str, int] = {}
        others: dict[int, str] = {}
        for index, value in enumerate(values):
            if value is None or str(value).strip() == "":
                value = above[index] if index < len(above) else None
                if value is None or str(value).strip() == "":
                    continue
            name = titles.get(fold(str(value)).casefold())
            if name and name not in columns:
                columns[name] = index
            else:
                others[index] = str(value).strip()[:40]
        if "answer" in columns and len(columns) >= 3:
            return number, columns, others
        above = values
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
    layout = Layout.of(assessment.template)
    headers = {}
    for ws in workbook.worksheets:
        if ws.title != META_SHEET and (found := _header(ws, layout)):
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
        return Form(ws, row, columns, others, by_number=False, layout=layout)
    # No item keys: the ward's original form, or ours with the key column deleted.
    numbered = [
        title
        for title, (_ws, (_r, columns, _o)) in headers.items()
        if {"number", "question", "answer"} <= set(columns)
    ]
    named = meta.get("sheet", layout.sheet) if meta else None
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
        headings = "".join(f"「{layout.heading(f, f)}」" for f in ("number", "question", "answer"))
        raise ImportRefused(
            [
                _(
                    "%(sheet)sが見つかりません（%(headings)sの見出しがあるシートがありません）。Kakunin からダウンロードした様式か、区の様式に記入してください。"
                )
                % {"sheet": layout.sheet, "headings": headings}
            ]
        )
    ws, (row, columns, others) = headers[numbered[0]]
    labels = assessment.template.items.exclude(label="").values_list("label", flat=True)
    return Form(
        ws, row, columns, others, by_number=True, layout=layout,
        labels=frozenset(number_key(label) for label in labels),
    )  # fmt: skip


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
