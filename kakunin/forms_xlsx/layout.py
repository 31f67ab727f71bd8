"""The shape of the ward's Excel form, shared by the export and the import."""

import unicodedata

from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string

from kakunin.assessments.models import Status

FORMAT = "kakunin-form/2"
# Forms exported before plans and dates had their columns: still read.
FORMATS_READ = ("kakunin-form/1", FORMAT)
SHEET_TITLE = "確認一覧表"
META_SHEET = "_kakunin"

# Column letters and the header printed above each. The key column is hidden:
# the import maps rows by key, so moved or sorted rows still land right.
COLUMNS = {
    "number": ("A", "No"),
    "section": ("B", "大項目"),
    "subsection": ("C", "中項目"),
    "question": ("D", "質問/確認事項"),
    "answer": ("E", "回答"),
    "status": ("F", "対応状況"),
    "plan": ("G", "対応予定"),
    "target_date": ("H", "対応予定日"),
    "key": ("I", "項目キー"),
}
# The ward's own copy carries the verdicts; the import ignores this column.
VERDICT_COLUMN = ("J", "審査結果")
# What the vendor types: exported as text cells (number format "@"), yellow.
INPUT_FIELDS = ("answer", "status", "plan", "target_date")
TEXT_FORMAT = "@"
# Widths in Excel's character units. Both copies print at 100 % on A4 landscape,
# so body text (9 pt) prints at 9 pt; they fill the page's width as Excel and as
# LibreOffice draw them (paging.py checks that the columns fit in both).
VENDOR_WIDTHS = {"A": 4, "B": 10, "C": 10, "D": 45, "E": 40, "F": 7, "G": 16, "H": 9, "I": 20}
WARD_WIDTHS = VENDOR_WIDTHS | {"B": 8, "C": 8, "D": 45, "E": 33, "G": 12, "J": 14}
SCALE = 100
HEADER_ROW = 4
NOT_APPLICABLE_LABEL = "適用外"

# A Japanese Gothic face present on the ward's Windows PCs (Windows 10 and later);
# where it is missing, family 2 (sans-serif) and charset 128 (Japanese) let
# Excel and LibreOffice fall back to a Japanese sans-serif face, never a serif one.
FONT_NAME = "BIZ UDPゴシック"
BODY_SIZE = 9


def font(size: float = BODY_SIZE, bold: bool = False) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold, family=2, charset=128)


def column_number(field: str) -> int:
    """1-based column of a field of the form, as openpyxl counts them."""
    letter = VERDICT_COLUMN[0] if field == "verdict" else COLUMNS[field][0]
    return column_index_from_string(letter)


STATUS_LABELS_JA: dict[str, str] = {
    Status.DONE: "対応済",
    Status.PARTIAL: "一部対応",
    Status.NOT_DONE: "未対応",
    Status.NOT_APPLICABLE: "該当なし",
    Status.WARD: "区で対応",
}
STATUS_LABELS_EN: dict[str, str] = {
    Status.DONE: "done",
    Status.PARTIAL: "partially done",
    Status.NOT_DONE: "not done",
    Status.NOT_APPLICABLE: "not applicable",
    Status.WARD: "handled by the ward",
}
# What else people write in a status cell, as they write it in the ward's
# other forms. Full-width and half-width forms are folded before matching
# (ＤＯＮＥ, ｄｏｎｅ; spaces are ignored). The README lists them.
STATUS_SPELLINGS: dict[str, tuple[str, ...]] = {
    Status.DONE: (
        "対応済み",
        "済",
        "済み",
        "〇",
        "○",
        "◯",
        "実施済",
        "実施済み",
        "対応完了",
        "完了",
    ),
    Status.PARTIAL: ("一部対応済", "一部対応済み", "一部", "一部実施", "一部実施済", "△", "▲"),
    Status.NOT_DONE: ("未", "未実施", "対応予定", "×", "✕", "✖", "✗"),
    Status.NOT_APPLICABLE: ("該当無し", "該当しない", "非該当", "対象外", "N/A", "NA"),
    Status.WARD: ("区対応", "区にて対応", "区が対応"),
}


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


_SPELLING_TO_STATUS: dict[str, str] = {}
for _code in Status.values:
    for _spelling in (
        STATUS_LABELS_JA[_code],
        STATUS_LABELS_EN[_code],
        _code,
        *STATUS_SPELLINGS[_code],
    ):
        _SPELLING_TO_STATUS[_fold(_spelling)] = str(_code)


def parse_status(value: str) -> str | None:
    """The status code a cell means, '' for blank, None when it means nothing we know."""
    folded = _fold(value)
    if not folded or folded == _fold(NOT_APPLICABLE_LABEL):
        return ""
    return _SPELLING_TO_STATUS.get(folded)
