"""Reading a table someone uploads, as Excel (.xlsx) or CSV, into rows of text.

Used by every import of a list (the inventory template, the ISMAP cloud service
list). A CSV is UTF-8 or Shift_JIS (what Excel in Japan saves). An xlsx is a zip:
its unpacked size and entry count are checked before anything is unpacked, so a
zip bomb is refused with a message, not a worker killed.
"""

import csv
import datetime
import io

import openpyxl
from django.utils.translation import gettext as _

from kakunin.core import zipcheck

MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 500


class TableRefused(ValueError):
    """The file cannot be read as a table; the message says why, naming the file."""


def csv_rows(data: bytes, filename: str) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableRefused(
            _("%(file)s: 文字コードが UTF-8 でも Shift_JIS でもありません。") % {"file": filename}
        )
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise TableRefused(_("%(file)s: CSV として読めません。") % {"file": filename}) from None


def xlsx_rows(data: bytes, filename: str, *, max_rows: int, max_cols: int) -> list[list[str]]:
    """The first sheet's rows as text (a date as its ISO date)."""
    check_zip(data, filename)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = [
            [
                ""
                if v is None
                else (v.date().isoformat() if isinstance(v, datetime.datetime) else str(v))
                for v in row
            ]
            for row in ws.iter_rows(max_row=max_rows, max_col=max_cols, values_only=True)
        ]
        wb.close()
    except Exception:  # (openpyxl and defusedxml raise many kinds on a bad file)
        raise TableRefused(
            _("%(file)s: Excel ファイルとして読めません。") % {"file": filename}
        ) from None
    return rows


def check_zip(data: bytes, filename: str) -> None:
    try:
        zipcheck.check(data, max_bytes=MAX_UNZIPPED_BYTES, max_entries=MAX_ZIP_ENTRIES)
    except zipcheck.Refused as refused:
        if refused.reason in ("not_zip", "damaged"):
            raise TableRefused(
                _("%(file)s: Excel ファイルとして読めません。") % {"file": filename}
            ) from None
        raise TableRefused(
            _("%(file)s: 展開後のサイズが上限を超えます。圧縮爆弾の疑いがあるため取り込みません。")
            % {"file": filename}
        ) from None
