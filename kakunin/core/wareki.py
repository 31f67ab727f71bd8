"""Japanese dates as people write them: 令和6年4月1日, R6.4.1, 2024年4月1日, 2024/4/1.

The era table is five rows of public fact (the start day of each era); the
libraries on PyPI that carry it are small and little kept, so it lives here.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    start: datetime.date  # the first day counted in this era here
    first_year: int  # the western year of the era's year 1 (元年)


# Newest first. Before 明治 6 (1873) the calendar was not the Gregorian one.
ERAS = (
    Era("令和", "R", datetime.date(2019, 5, 1), 2019),
    Era("平成", "H", datetime.date(1989, 1, 8), 1989),
    Era("昭和", "S", datetime.date(1926, 12, 25), 1926),
    Era("大正", "T", datetime.date(1912, 7, 30), 1912),
    Era("明治", "M", datetime.date(1873, 1, 1), 1868),
)


def era_of(day: datetime.date) -> tuple[Era, int] | None:
    """The era a day falls in and the year of that era, or None before 明治6年."""
    for era in ERAS:
        if day >= era.start:
            return era, day.year - era.first_year + 1
    return None


class DateUnreadable(ValueError):
    """The text is not a date, or not a whole one; the message says what is missing."""


_ERA_NAMES = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}
_ERA_DATE = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|明治|[RHSTM])\s*(?P<year>\d{1,2}|元)\s*[年./\-]\s*"
    r"(?P<month>\d{1,2})\s*[月./\-]\s*(?P<day>\d{1,2})\s*日?$"
)
_WESTERN_DATE = re.compile(
    r"^(?P<year>\d{4})\s*[年./\-]\s*(?P<month>\d{1,2})\s*[月./\-]\s*(?P<day>\d{1,2})\s*日?$"
)
_NO_YEAR = re.compile(r"^\d{1,2}\s*[月/]\s*\d{1,2}\s*日?$")


def parse(text: str) -> datetime.date:
    """A date written in one of the usual Japanese or ISO ways. Raises DateUnreadable."""
    plain = unicodedata.normalize("NFKC", text).strip().upper()
    if m := _ERA_DATE.match(plain):
        era = _ERA_NAMES[m["era"]]
        year = 1 if m["year"] == "元" else int(m["year"])
        if year < 1:
            raise DateUnreadable(text)
        day = _date(era.first_year + year - 1, int(m["month"]), int(m["day"]), text)
        following = ERAS[ERAS.index(era) - 1] if ERAS.index(era) else None
        if day < era.start or (following and day >= following.start):
            raise DateUnreadable(text)
        return day
    if m := _WESTERN_DATE.match(plain):
        return _date(int(m["year"]), int(m["month"]), int(m["day"]), text)
    raise DateUnreadable(text)


def lacks_year(text: str) -> bool:
    """4月1日, 4/1: a date a person meant, without the year that makes it one."""
    return bool(_NO_YEAR.match(unicodedata.normalize("NFKC", text).strip()))


def _date(year: int, month: int, day: int, text: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise DateUnreadable(text) from None
