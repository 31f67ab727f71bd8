"""How the form prints: each row as tall as its text, and where the pages break.

Neither LibreOffice nor Excel fits a row to its wrapped text when the file is
opened, so every row's height is set here from an estimate of its lines. The
estimate is deliberately the wider of the faces in use (a full-width character
is one em, any other 0.64 em, as DejaVu Sans and BIZ UDPゴシック's digits are at
most; the column as narrow as the narrower of Excel and LibreOffice draws it), and a
line is 1.5 em, Noto Sans CJK's line height with room to spare.

The pages break where this module says (manual row breaks), so the first row
of every page can carry its section and sub-section: they are printed on each
page, never only on the page where the section began.
"""

import math
import unicodedata
from functools import lru_cache

# Page: A4 landscape, in points (a form's layout may turn it, or take A3).
PAGE_WIDTH, PAGE_HEIGHT = 841.9, 595.3
PAPERS = {"A4": (841.9, 595.3), "A3": (1190.6, 841.9)}
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = 0.3, 0.6, 0.5  # inches, as openpyxl takes them
HEADER_MARGIN = FOOTER_MARGIN = 0.25
LINE_EM = 1.5
ROW_PADDING = 6.0  # points above and below the text of a row
CELL_PADDING = 5.0  # points left and right inside a cell
NARROW_EM = 0.64
SAFETY = 0.97  # of the page's height actually used


# A column's width is counted in digits of the workbook's default font, Calibri 11.
# Excel draws a digit 7 px wide at 96 dpi and adds 5 px; LibreOffice measures the
# digit of Calibri (or of Carlito, its metric twin, which LibreOffice bundles on
# Windows and Debian recommends) at 0.507 em: 5.55 pt a character, measured from its
# PDF. (Without either font LibreOffice falls back to DejaVu Sans, 7 pt a character,
# a fifth wider: the sheet would no longer fit the page. .ci/run installs Carlito.)
EXCEL_POINTS_PER_CHAR, EXCEL_PADDING = 7 * 0.75, 5 * 0.75
LIBREOFFICE_POINTS_PER_CHAR = 5.55


def excel_points(width_chars: float) -> float:
    return width_chars * EXCEL_POINTS_PER_CHAR + EXCEL_PADDING


def libreoffice_points(width_chars: float) -> float:
    return width_chars * LIBREOFFICE_POINTS_PER_CHAR


def column_points(width_chars: float) -> float:
    """A column's width in points where it is narrower, Excel or LibreOffice: text
    wraps within it in both (the row heights are set from it)."""
    return min(excel_points(width_chars), libreoffice_points(width_chars))


def printed_points(width_chars: float) -> float:
    """A column's width in points where it is wider: the columns fit the page in both."""
    return max(excel_points(width_chars), libreoffice_points(width_chars))


def page_size(paper: str = "A4", orientation: str = "landscape") -> tuple[float, float]:
    """(width, height) of the page in points."""
    long, short = PAPERS[paper]
    return (long, short) if orientation == "landscape" else (short, long)


def printable_width(scale: float, page: tuple[float, float] = (PAGE_WIDTH, PAGE_HEIGHT)) -> float:
    """The sheet width, in points at 100 %, that fits across the page at `scale`."""
    return (page[0] - 2 * MARGIN_SIDE * 72) / scale


def printable_height(scale: float, page: tuple[float, float] = (PAGE_WIDTH, PAGE_HEIGHT)) -> float:
    return (page[1] - (MARGIN_TOP + MARGIN_BOTTOM) * 72) * SAFETY / scale


def fitting_scale(widths: list[float], scale: int, page: tuple[float, float]) -> int:
    """The layout's scale, or the largest smaller one at which these columns fit
    across the page in Excel and in LibreOffice alike."""
    total = sum(map(printed_points, widths))
    while scale > 10 and total > printable_width(scale / 100, page):
        scale -= 1
    return scale


@lru_cache(maxsize=4096)
def _em(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else NARROW_EM


def lines(text: str, width_points: float, size: float) -> int:
    """How many lines `text` takes when wrapped in a cell this wide."""
    room = max(1.0, (width_points - CELL_PADDING) / size)
    total = 0
    for paragraph in (text or "").split("\n"):
        count, used, word = 1, 0.0, 0.0
        for ch in paragraph:
            em = _em(ch)
            if ch.isascii() and not ch.isspace():
                word += em  # a Latin word wraps as a whole
                continue
            count, used = _place(count, used, word, room)
            word = 0.0
            if used + em > room:
                count, used = count + 1, 0.0
            used += em
        count, used = _place(count, used, word, room)
        total += count
    return max(1, total)


def _place(count: int, used: float, word: float, room: float) -> tuple[int, float]:
    if not word:
        return count, used
    if used + word <= room:
        return count, used + word
    if word <= room:
        return count + 1, word
    extra = math.ceil((used + word) / room) - 1
    return count + extra, (used + word) - extra * room


def height(texts: dict[str, str], widths: dict[str, float], size: float) -> float:
    """The row height, in points, that shows every column's text whole."""
    most = max(
        (lines(text, column_points(widths[col]), size) for col, text in texts.items() if text),
        default=1,
    )
    return min(409.0, most * size * LINE_EM + ROW_PADDING)


def text_points(text: str, size: float) -> float:
    """How wide a line of text prints, at most (the em widths above)."""
    return sum(_em(ch) for ch in text) * size


def header_lines(text: str, room: float, size: float) -> str:
    """The text broken into lines (\n) that each fit `room` points, at the characters
    after which Japanese breaks a line (」】、。) where there are any: a page header's
    sections do not wrap, they overlap their neighbour."""
    lines, line = [], ""
    for ch in text:
        if line and text_points(line + ch, size) > room:
            cut = max(line.rfind(p) for p in "」】、。 ") + 1
            if 0 < cut < len(line):
                lines.append(line[:cut])
                line = line[cut:]
            else:
                lines.append(line)
                line = ""
        line += ch
    return "\n".join([*lines, line]) if line else "\n".join(lines)
