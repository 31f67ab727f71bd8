"""The shape of the ward's Excel form, shared by the export and the import."""

from kakunin.assessments.models import Status

FORMAT = "kakunin-form/1"
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
    "key": ("G", "項目キー"),
}
WIDTHS = {"A": 6, "B": 20, "C": 20, "D": 62, "E": 50, "F": 12, "G": 26, "H": 40}
# The ward's own copy carries the verdicts; the import ignores this column.
VERDICT_COLUMN = ("H", "審査結果")
HEADER_ROW = 4
NOT_APPLICABLE_LABEL = "適用外"

# What a vendor may type in the status column: the Japanese labels (as exported),
# the English ones and the internal codes are all understood.
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


def parse_status(value: str) -> str | None:
    """The status code a cell means, '' for blank, None when it means nothing we know."""
    text = value.strip()
    if not text or text == NOT_APPLICABLE_LABEL:
        return ""
    for table in (STATUS_LABELS_JA, STATUS_LABELS_EN):
        for code, label in table.items():
            if text.casefold() in (label.casefold(), str(code)):
                return str(code)
    return None
