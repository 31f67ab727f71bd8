"""What every form's Excel shares, whatever its layout (catalog.layout holds each
form's: its sheet, columns, status words and print settings): the file's format
mark, the hidden sheet, the fonts, the text cells. The names of the default layout's
columns and widths are kept here for what reads a default form's workbook."""

from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string

from kakunin.catalog.layout import VENDOR_FIELDS, Layout

FORMAT = "kakunin-form/2"
# Forms exported before plans and dates had their columns: still read.
FORMATS_READ = ("kakunin-form/1", FORMAT)
META_SHEET = "_kakunin"

# What the vendor types: exported as text cells (number format "@"), yellow.
INPUT_FIELDS = VENDOR_FIELDS
TEXT_FORMAT = "@"

# A Japanese Gothic face present on the ward's Windows PCs (Windows 10 and later);
# where it is missing, family 2 (sans-serif) and charset 128 (Japanese) let
# Excel and LibreOffice fall back to a Japanese sans-serif face, never a serif one.
FONT_NAME = "BIZ UDPゴシック"
BODY_SIZE = 9

# The default layout (a form whose definition gives none). Widths in Excel's
# character units; both copies print at 100 % on A4 landscape, so body text (9 pt)
# prints at 9 pt (paging.py checks that the columns fit in Excel and LibreOffice).
DEFAULT_LAYOUT = Layout.parse({})
VENDOR_WIDTHS = DEFAULT_LAYOUT.widths(ward=False)
WARD_WIDTHS = DEFAULT_LAYOUT.widths(ward=True)


def font(size: float = BODY_SIZE, bold: bool = False) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold, family=2, charset=128)


def column_number(field: str, layout: Layout = DEFAULT_LAYOUT) -> int:
    """1-based column of a field of the form, as openpyxl counts them."""
    return column_index_from_string(layout.letter(field))
