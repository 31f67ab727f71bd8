"""Writing Excel files Kakunin hands out (the form, the inventory template, the
yearly report): text stays text, and the file names no library or version."""

import io
import zipfile

from django.conf import settings
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What the workbook says made it: no product or version (version-hiding). openpyxl writes
# "Microsoft Excel Compatible / Openpyxl 3.1.5" into docProps/app.xml on every save.
APP_PROPERTIES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b"<Application>" + settings.SITE_NAME.encode() + b"</Application></Properties>"
)


def set_text(cell, value) -> None:
    """Store text as text: never as a formula, never with characters xlsx forbids."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


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
