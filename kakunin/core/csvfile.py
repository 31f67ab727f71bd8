"""CSV written for people, who open it in Excel or LibreOffice: UTF-8 with a BOM (Excel
reads UTF-8 only with one), and every cell neutralised against formula injection, as
OWASP's "CSV Injection" says: a text cell starting with =, +, -, @, a tab or a carriage
return gets a leading apostrophe, so the spreadsheet shows it instead of running it
(a full name =HYPERLINK(…) became a live link in the audit export). Every CSV export
goes through here (a policy test holds it)."""

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One cell as written: numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The file, a line at a time (for a streaming response)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([cell(h) for h in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])
