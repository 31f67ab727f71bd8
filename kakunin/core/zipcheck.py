"""An uploaded zip container (xlsx, docx), checked by unpacking it: the bytes each entry
really unpacks to are counted, never the sizes the archive declares (a 300 MiB entry
declared as 100 bytes passed a check that added up the declarations), and for a
workbook the cells its sheets hold (openpyxl keeps every cell of a sheet in memory: a
3.3 MB upload grew a worker to 870 MB). Nothing is kept of what is unpacked."""

import io
import re
import zipfile
from dataclasses import dataclass

CHUNK = 1 << 16
SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
CELL = re.compile(rb"<(?:\w+:)?c[ >/]")


class Refused(Exception):
    """`reason`: "not_zip", "entries", "size" (unpacks beyond the limit), "damaged"
    (an entry does not unpack to what the archive says), "cells"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Contents:
    names: set[str]
    unpacked: int
    cells: int


def check(data: bytes, *, max_bytes: int, max_entries: int, max_cells: int | None = None):
    """Unpack every entry, counting; Refused on the first limit passed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise Refused("not_zip") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise Refused("entries")
        total = cells = 0
        for info in infos:
            sheet = max_cells is not None and bool(SHEET.match(info.filename))
            tail = b""
            try:
                with archive.open(info) as entry:
                    while chunk := entry.read(CHUNK):
                        total += len(chunk)
                        if total > max_bytes:
                            raise Refused("size")
                        if sheet:
                            # A tag split between two chunks is counted once.
                            window = tail + chunk
                            cells += len(CELL.findall(window)) - len(CELL.findall(tail))
                            tail = window[-8:]
                            if max_cells is not None and cells > max_cells:
                                raise Refused("cells")
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError):
                # A CRC or length that does not match what was unpacked, an unknown
                # compression (NotImplementedError is a RuntimeError), an encrypted entry.
                raise Refused("damaged") from None
    return Contents({i.filename for i in infos}, total, cells)
