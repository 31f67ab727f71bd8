"""Rules for the free text people type (answers, comments, names).

Bidirectional control characters (RLO U+202E and its kin) reorder what is shown:
"exe.txt" can display as "txt.exe", an answer can read differently from what it
says. Japanese and English text never needs them, so they are refused.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BIDI_MESSAGE = _(
    "文字の表示順を入れ替える制御文字（RLO など）が含まれています。取り除いてから入力してください。"
)


def refuse_bidi_controls(value) -> None:
    if isinstance(value, str) and BIDI_CONTROLS.search(value):
        raise ValidationError(BIDI_MESSAGE, code="bidi")


def plain_text_fields(form: forms.BaseForm) -> None:
    """Give every text field of the form the check (call from __init__)."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and refuse_bidi_controls not in field.validators:
            field.validators.append(refuse_bidi_controls)
