"""Text: the rules for what people type, and words kept to be translated when shown.

Rules for the free text people type (answers, comments, names).

Bidirectional control characters (RLO U+202E and its kin) reorder what is shown:
"exe.txt" can display as "txt.exe", an answer can read differently from what it
says. Japanese and English text never needs them, so they are refused.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Control characters no one types (tab, line feed and carriage return are text).
HIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BIDI_MESSAGE = _(
    "文字の表示順を入れ替える制御文字（RLO など）が含まれています。取り除いてから入力してください。"
)


def refuse_bidi_controls(value) -> None:
    if isinstance(value, str) and BIDI_CONTROLS.search(value):
        raise ValidationError(BIDI_MESSAGE, code="bidi")


# What a spreadsheet takes for the start of a formula (half and full width).
FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")


def refuse_formula_start(value) -> None:
    """A name never starts like a formula: names travel into CSV and Excel files, where
    =HYPERLINK(…) would run (issue 23.12; the exports neutralise it too)."""
    if isinstance(value, str) and value.strip().startswith(FORMULA_STARTS):
        raise ValidationError(
            _(
                "名前の先頭に「=」「+」「-」「@」は使えません（表計算ソフトで数式として扱われます）。"
            ),
            code="formula",
        )


def cell_problem(value: str, *, where: str, column: str, limit: int) -> str | None:
    """What is wrong with one cell of an imported file, naming its row and column, or
    None: the one text rule for files (an inventory, an SBOM, the ISMAP list). A cell
    too long is refused, never cut."""
    if BIDI_CONTROLS.search(value) or HIDDEN_CONTROLS.search(value):
        return gettext(
            "%(where)s: 「%(column)s」に表示順を入れ替える制御文字（RLO など）か見えない制御文字があります。取り除いてください。"
        ) % {"where": where, "column": column}
    if len(value.strip()) > limit:
        return gettext(
            "%(where)s: 「%(column)s」は %(limit)s 文字以内にしてください（%(length)s 文字）。"
        ) % {"where": where, "column": column, "limit": limit, "length": len(value.strip())}
    return None


def plain_text_fields(form: forms.BaseForm) -> None:
    """Give every text field of the form the check (call from __init__)."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and refuse_bidi_controls not in field.validators:
            field.validators.append(refuse_bidi_controls)


class PlainText:
    """A form mixin: every text field refuses the bidirectional controls (the one text
    rule, for every form; a policy test holds it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)  # type: ignore[arg-type]


def neutralise_bidi(text: str) -> str:
    """Text as shown: a bidirectional control kept from before the rule is shown as
    U+FFFD, never obeyed ("exe.txt" must not read "txt.exe")."""
    return BIDI_CONTROLS.sub("\ufffd", text)


# The same characters in UTF-8 (a lead byte never occurs inside another character, so
# the bytes match only whole characters); a page is neutralised without decoding it.
BIDI_CONTROLS_UTF8 = re.compile(rb"\xd8\x9c|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def neutralise_bidi_utf8(content: bytes) -> bytes:
    return BIDI_CONTROLS_UTF8.sub("\ufffd".encode(), content)


def form_errors(form: forms.BaseForm, field: str | None = None) -> list[str]:
    """A form's error messages as text (one field's, or every field's, in order)."""
    errors = form.errors
    lists = [errors[field]] if field and field in errors else [] if field else errors.values()
    return [str(message) for errors in lists for message in errors]


class Text:
    """Words kept as message ids with their values, so that a page shows them in its
    reader's language when they were written long before (a scan's findings, an
    alert). `ja` is the fixed Japanese (the JSON report, the command, the audit
    trail). Parts are (msgid, values) to translate, or (None, text) to show as it
    is (URLs, header values: what a site said)."""

    def __init__(self, parts=()):
        self.parts = [tuple(p) for p in parts]

    def __add__(self, other) -> "Text":
        return Text(self.parts + Text.of(other).parts)

    def __radd__(self, other) -> "Text":
        return Text(Text.of(other).parts + self.parts)

    def __eq__(self, other) -> bool:
        return isinstance(other, Text) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(str(self.as_json()))

    def __str__(self) -> str:
        """In the language active now."""
        out = []
        for msgid, values in self.parts:
            if msgid is None:
                out.append(str(values))
            else:
                out.append(gettext(msgid) % values if values else gettext(msgid))
        return "".join(out)

    @property
    def ja(self) -> str:
        with override("ja"):
            return str(self)

    def join(self, items) -> "Text":
        """The items with this text between them (a translated separator: "、" is ", ")."""
        result = Text()
        for i, item in enumerate(items):
            result = result + item if i == 0 else result + self + item
        return result

    @classmethod
    def of(cls, value) -> "Text":
        return value if isinstance(value, Text) else cls([(None, str(value))])

    def as_json(self) -> list:
        return [list(p) for p in self.parts]

    @classmethod
    def from_json(cls, data) -> "Text":
        return cls(data or [])


def say(msgid: str, **values) -> Text:
    """A translatable sentence, translated when shown. makemessages finds it (see the
    command in kakunin/core/management/commands/makemessages.py); values fill %(name)s."""
    return Text([(msgid, values)])
