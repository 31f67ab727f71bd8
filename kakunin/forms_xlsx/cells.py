"""What a spreadsheet cell shows, as text: its value rendered through its number format.

Excel and LibreOffice turn typing that looks like a number or a date into one
(4月1日, 99.90%, 12時30分) and keep only the number and a format. An answer is
the text the vendor saw, so the number is rendered back through its format.
Only formats that can be rendered faithfully are: any other raises Unreadable,
and the import refuses the file naming the cell. No library renders Excel's
formats with the Japanese era and weekday codes, hence this closed subset:
dates and times (西暦 and 和暦), whole and decimal numbers, thousands
separators, percentages, literal text.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from kakunin.core import wareki

# What Excel stores when a formula fails: never an answer.
ERROR_VALUES = ("#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NULL!", "#NUM!")

# ECMA-376 Part 1, 18.8.30: the formats a Japanese Excel stores by number alone
# (openpyxl knows only the locale-free ones and calls these "General").
JA_JP_BUILTIN = {
    27: "[$-411]ge.m.d",
    28: '[$-411]ggge"年"m"月"d"日"',
    29: '[$-411]ggge"年"m"月"d"日"',
    30: "m/d/yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"時"mm"分"',
    33: 'h"時"mm"分"ss"秒"',
    34: 'yyyy"年"m"月"',
    35: 'm"月"d"日"',
    36: "[$-411]ge.m.d",
    50: "[$-411]ge.m.d",
    51: '[$-411]ggge"年"m"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: '[$-411]ggge"年"m"月"d"日"',
    55: 'yyyy"年"m"月"',
    56: 'm"月"d"日"',
    57: "[$-411]ge.m.d",
    58: '[$-411]ggge"年"m"月"d"日"',
}

WEEKDAYS_JA = "月火水木金土日"
DATE_KINDS = {"y", "m", "minute", "d", "h", "s", "e", "g", "a", "P"}


class Unreadable(ValueError):
    """The cell cannot be read as the text it shows; the message says why."""


def number_format(cell) -> str:
    """The cell's format code, the Japanese built-in ones included."""
    code = cell.number_format
    if code == "General":
        # openpyxl maps an id it does not know to "General"; the id is on the style.
        code = JA_JP_BUILTIN.get(cell._style.numFmtId, code)
    return code


def shown_text(cell, epoch) -> str:
    """The text the cell shows. Raises Unreadable for an error value or a format
    that cannot be rendered faithfully."""
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "e" or (isinstance(value, str) and value in ERROR_VALUES):
        raise Unreadable(
            _("エラー値「%(value)s」が入っています。数式を消し、文字で入力してください。")
            % {"value": value}
        )
    if isinstance(value, str):
        return value.replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return render(value, number_format(cell), epoch)


def render(value, code: str, epoch=None) -> str:
    """A number, date or time rendered through an Excel format code."""
    section = _section(code, value)
    tokens = _tokenize(section)
    if any(kind in DATE_KINDS for kind, _text in tokens):
        return _render_date(value, tokens, epoch)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise _unfaithful()
    return _render_number(value, tokens)


def _unfaithful() -> Unreadable:
    return Unreadable(
        _(
            "数値や日付として保存されていて、表示どおりの文字に戻せません。"
            "セルの表示形式を「文字列」にしてから入力し直してください。"
        )
    )


def _split_sections(code: str) -> list[str]:
    sections, current, quoted, escaped = [], "", False, False
    for ch in code:
        if escaped:
            current, escaped = current + ch, False
        elif ch == "\\":
            current, escaped = current + ch, True
        elif ch == '"':
            current, quoted = current + ch, not quoted
        elif ch == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += ch
    return [*sections, current]


def _section(code: str, value) -> str:
    sections = _split_sections(code)
    if any(re.search(r"\[[<>=]", s) for s in sections):
        raise _unfaithful()  # conditional sections ([>=100]...)
    if not isinstance(value, int | float) or len(sections) == 1:
        return sections[0]
    if value < 0:
        if len(sections) >= 2:
            raise _unfaithful()  # a negative section may drop the sign or add brackets
        return sections[0]
    if value == 0 and len(sections) >= 3:
        return sections[2]
    return sections[0]


# (kind, text): kind "lit" for literal text, a letter for a date/time code,
# "0" for the numeric pattern, "%" for a percent sign, "@" for the text itself.
_DATE_CODE = re.compile(
    r"(yyyy|yy|y|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|aaaa|aaa|hh|h|ss|s|ee|e|ggg|gg|g"
    r"|AM/PM|A/P)",
    re.IGNORECASE,
)


_NUMBER_PATTERN = re.compile(r"[#?,.]*[0#?][0#?,.]*")


def _tokenize(section: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            if end < 0:
                raise _unfaithful()
            tokens.append(("lit", section[i + 1 : end]))
            i = end + 1
        elif ch == "\\":
            tokens.append(("lit", section[i + 1 : i + 2]))
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            if end < 0:
                raise _unfaithful()
            tokens.extend(_bracket(section[i + 1 : end]))
            i = end + 1
        elif ch == "_":
            tokens.append(("lit", " "))  # the width of the next character
            i += 2
        elif ch == "*":
            i += 2  # repeat to fill the cell: nothing typed
        elif match := _NUMBER_PATTERN.match(section, i):
            tokens.append(("0", match.group()))
            i = match.end()
        elif ch == "%":
            tokens.append(("%", "%"))
            i += 1
        elif ch == "@":
            tokens.append(("@", "@"))
            i += 1
        elif ch in "Ee" and section[i + 1 : i + 2] in ("+", "-"):
            raise _unfaithful()  # scientific notation
        elif section[i : i + 7].lower() == "general":
            tokens.append(("@", "general"))
            i += 7
        elif match := _DATE_CODE.match(section, i):
            text = match.group().lower()
            tokens.append(("P" if text in ("am/pm", "a/p") else text[0], text))
            i = match.end()
        elif ch.isascii() and ch.isalpha():
            raise _unfaithful()  # a code this module does not know
        else:
            tokens.append(("lit", ch))
            i += 1
    return _minutes(tokens)


def _bracket(inside: str) -> list[tuple[str, str]]:
    """[Red], [$-411], [$¥-411], [DBNum1], [h]: colours and locales are dropped, a
    currency symbol is kept, anything that changes the digits is refused."""
    lowered = inside.lower()
    if lowered in ("black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"):
        return []
    if lowered.startswith("color"):
        return []
    if inside.startswith("$"):
        symbol, _sep, locale = inside[1:].partition("-")
        if locale.upper().startswith("F"):
            raise _unfaithful()  # the system's long date or time: depends on the PC
        if "gannen" in locale.lower():
            return [("lit", symbol), ("gannen", "")]
        return [("lit", symbol)] if symbol else []
    raise _unfaithful()  # [DBNum1] (漢数字), elapsed [h]:mm...


def _minutes(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """m and mm mean minutes right after an hour or right before seconds."""
    codes = [i for i, (kind, _t) in enumerate(tokens) if kind in "ymdhsega"]
    out = list(tokens)
    for pos, i in enumerate(codes):
        if tokens[i][0] != "m" or len(tokens[i][1]) > 2:
            continue
        before = tokens[codes[pos - 1]][0] if pos else ""
        after = tokens[codes[pos + 1]][0] if pos + 1 < len(codes) else ""
        if before == "h" or after == "s":
            out[i] = ("minute", tokens[i][1])
    return out


def _as_datetime(value, epoch) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, datetime.time):
        return datetime.datetime.combine(datetime.date(1899, 12, 31), value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise _unfaithful()
        converted = from_excel(value, epoch) if epoch else from_excel(value)
        return _as_datetime(converted, epoch)
    raise _unfaithful()  # a duration (timedelta) or anything else


def _render_date(value, tokens: list[tuple[str, str]], epoch) -> str:
    moment = _as_datetime(value, epoch)
    twelve_hour = any(kind == "P" for kind, _t in tokens)
    gannen = any(kind == "gannen" for kind, _t in tokens)
    era = wareki.era_of(moment.date())
    out = []
    for kind, text in tokens:
        if kind in ("lit",):
            out.append(text)
        elif kind == "gannen":
            continue
        elif kind == "y":
            out.append(str(moment.year) if len(text) > 2 else f"{moment.year % 100:02d}")
        elif kind == "m":
            if len(text) > 2:
                raise _unfaithful()  # month names differ by language
            out.append(f"{moment.month:0{len(text)}d}")
        elif kind == "minute":
            out.append(f"{moment.minute:0{len(text)}d}")
        elif kind == "d":
            if len(text) > 2:
                raise _unfaithful()  # weekday names differ by language
            out.append(f"{moment.day:0{len(text)}d}")
        elif kind == "a":
            day = WEEKDAYS_JA[moment.weekday()]
            out.append(day if len(text) == 3 else f"{day}曜日")
        elif kind == "h":
            hour = moment.hour % 12 or 12 if twelve_hour else moment.hour
            out.append(f"{hour:0{len(text)}d}")
        elif kind == "s":
            out.append(f"{moment.second:0{len(text)}d}")
        elif kind == "P":
            am = moment.hour < 12
            out.append({"am/pm": "AM" if am else "PM", "a/p": "A" if am else "P"}[text])
        elif kind in "eg":
            if era is None:
                raise _unfaithful()
            out.append(_era_part(kind, text, *era, gannen))
        else:
            raise _unfaithful()  # fractions of a second, a stray number pattern
    return "".join(out)


def _era_part(kind: str, text: str, era: wareki.Era, year: int, gannen: bool) -> str:
    if kind == "e":
        if gannen and year == 1 and len(text) == 1:
            return "元"
        return f"{year:0{len(text)}d}"
    return {1: era.letter, 2: era.name[0]}.get(len(text), era.name)


def _render_number(value, tokens: list[tuple[str, str]]) -> str:
    patterns = [text for kind, text in tokens if kind == "0"]
    if any(kind == "@" for kind, _t in tokens) or not patterns:
        if patterns:
            raise _unfaithful()
        return general(value) if not tokens else _literal(tokens, general(value))
    if len(patterns) > 1 or "?" in patterns[0] or patterns[0].endswith(","):
        raise _unfaithful()  # digits split by text (000-0000), fractions, scaling
    pattern = patterns[0]
    number = value * 100 ** sum(1 for kind, _t in tokens if kind == "%")
    whole, _dot, fraction = pattern.partition(".")
    places = len(fraction.replace(",", ""))
    required = len(fraction.rstrip("#"))
    # Excel rounds half away from zero, on the decimal digits that were typed.
    rounded = Decimal(repr(abs(number))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    text = f"{rounded:{',' if ',' in whole else ''}f}"
    if places > required:
        head, _sep, tail = text.partition(".")
        tail = tail.rstrip("0").ljust(required, "0")
        text = f"{head}.{tail}" if tail else head
    min_digits = whole.replace(",", "").count("0")
    if min_digits == 0 and text.startswith("0"):
        text = text[1:] if text != "0" else text
    elif min_digits > 1:
        head, sep, tail = text.partition(".")
        text = head.zfill(min_digits) + sep + tail
    if number < 0:
        text = "-" + text
    return _literal(tokens, text)


def _literal(tokens: list[tuple[str, str]], number_text: str) -> str:
    out = []
    for kind, text in tokens:
        if kind == "lit":
            out.append(text)
        elif kind in ("0", "@"):
            out.append(number_text)
        elif kind == "%":
            out.append("%")
        else:
            raise _unfaithful()
    return "".join(out)


def general(value) -> str:
    """A number as Excel's General format shows what was typed."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text or "inf" in text or "nan" in text:
        raise _unfaithful()  # digits lost: a long number typed without the text format
    return text
