"""The two national numbers a service of many municipalities relies on, each with its
check digit: the 全国地方公共団体コード of a municipality (six digits, 総務省) and the
法人番号 of a company (thirteen digits, 国税庁). A number typed with one digit wrong
is refused with a message that says which check failed."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def local_government_check_digit(first_five: str) -> int:
    """The sixth digit: 11 minus the remainder of Σ digit × (6, 5, 4, 3, 2) by 11,
    its last digit (a remainder of 0 gives 1, of 1 gives 0)."""
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def corporate_check_digit(base: str) -> int:
    """The first digit: 9 minus the remainder of Σ P(n) × Q(n) by 9, where P(n) is the
    n-th digit of the 12-digit base counted from the right and Q(n) is 1 when n is odd,
    2 when even (国税庁, 法人番号の指定等に関する省令)."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return 9 - total % 9


def _digits(value: str) -> str:
    """Half-width digits of what a person typed (full-width digits and hyphens allowed)."""
    return "".join(value.split()).translate(_FULLWIDTH).replace("-", "")


_FULLWIDTH = str.maketrans("０１２３４５６７８９－ー", "0123456789--")


def normalise_local_government_code(value: str) -> str:
    code = _digits(str(value))
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValidationError(
            _("全国地方公共団体コードは6桁の数字です（例: 千代田区は 131016）。"), code="format"
        )
    if int(code[5]) != local_government_check_digit(code[:5]):
        raise ValidationError(
            _("全国地方公共団体コード %(code)s の検査数字が合いません。6桁目までご確認ください。"),
            code="check_digit",
            params={"code": code},
        )
    return code


def normalise_corporate_number(value: str) -> str:
    number = _digits(str(value))
    if len(number) != 13 or not number.isascii() or not number.isdigit():
        raise ValidationError(_("法人番号は13桁の数字です。"), code="format")
    if int(number[0]) != corporate_check_digit(number[1:]):
        raise ValidationError(
            _("法人番号 %(number)s の検査数字（先頭の1桁）が合いません。番号をご確認ください。"),
            code="check_digit",
            params={"number": number},
        )
    return number


def validate_local_government_code(value: str) -> None:
    normalise_local_government_code(value)


def validate_corporate_number(value: str) -> None:
    normalise_corporate_number(value)
