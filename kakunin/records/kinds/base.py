"""What every kind of record shares: the date fields, the text fields, the list typed
one entry a line (LinesField), and RecordForm, the single definition of a kind's
fields, their checks and their words."""

import datetime
import re
import unicodedata
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kakunin.core import wareki
from kakunin.core.text import BIDI_CONTROLS, BIDI_MESSAGE, plain_text_fields
from kakunin.records.models import RecordFile

MAX_LINES = 200
# Control characters other than the tab (a part's separator): never in a list's entry.
CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

# ISMAP: C + the year of registration + serial + revision (C21-0001-1); ISMAP-LIU: L….
ISMAP_NUMBER = re.compile(r"^[CL]\d{2}-\d{4}-\d{1,2}$")


def fold(text: str) -> str:
    """Text as compared with what people type: NFKC, no spaces, case folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def not_in_future(value: datetime.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("未来の日付は入力できません（%(day)s）。") % {"day": value})


class PastDateField(forms.DateField):
    """A day that has happened: a review, a test, a disposal."""

    widget = forms.DateInput(attrs={"type": "date"})
    default_validators = [not_in_future]


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})


def text_field(**kwargs) -> forms.CharField:
    return forms.CharField(max_length=kwargs.pop("max_length", 1000), **kwargs)


def area_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        max_length=kwargs.pop("max_length", 4000),
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


def _lines_help(parts, words):
    """How to type the entries, in the reader's language: the parts in order, each with
    the words it takes, if any."""

    def text() -> str:
        names = []
        for key, label in parts:
            name = str(label)
            if key in words:
                said = gettext("・").join(str(w) for w in words[key].values())
                name = gettext("%(name)s（%(words)s）") % {"name": name, "words": said}
            names.append(name)
        return gettext("1行に1件、カンマで区切って: %(parts)s") % {"parts": ", ".join(names)}

    return lazy(text, str)()


class LinesField(forms.Field):
    """One entry a line, its parts split by commas (, ，or a tab); the last part may
    itself hold commas. `dates` name the parts that are days that have happened;
    `words` the parts kept as codes, with the words they are shown in ({part: {code:
    words}}). The label names the list; how to type it is the help text."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(
        self,
        *,
        parts: list[tuple[str, Any]],
        needed: int,
        dates=(),
        checks=None,
        words=None,
        aliases=None,
        **kw,
    ):
        self.words, self.aliases = words or {}, aliases or {}
        kw.setdefault("help_text", _lines_help(parts, self.words))
        super().__init__(**kw)
        self.parts, self.needed, self.dates = parts, needed, set(dates)
        self.checks = checks  # a function (entry) -> message or None

    def _code(self, key: str, typed: str) -> str:
        """The code of a part typed as its code or its words, in any language (the list is
        shown in the reader's words, and comes back edited in them)."""
        spellings = {fold(alias): code for alias, code in self.aliases.get(key, {}).items()}
        for code, words in self.words[key].items():
            spellings[fold(code)] = code
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    spellings[fold(str(words))] = code
        if fold(typed) not in spellings:
            allowed = gettext("・").join(str(w) for w in self.words[key].values())
            raise ValidationError(
                _("「%(text)s」は使えません。%(allowed)s のどれかを書いてください。")
                % {"text": typed, "allowed": allowed}
            )
        return spellings[fold(typed)]

    def shown(self, entry: dict, key: str) -> str:
        """One part of an entry as a person reads it: a code by its words."""
        value = entry.get(key, "")
        return str(self.words.get(key, {}).get(value, value))

    def to_python(self, value) -> list[dict]:
        if isinstance(value, list):
            return self._from_objects(value)
        text = value or ""
        if BIDI_CONTROLS.search(text):
            raise ValidationError(BIDI_MESSAGE)
        lines = [
            (n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()
        ]
        return self._checked(
            [(n, lambda line=line: self._split(line)) for n, line in lines],
            _("%(n)d行目: %(why)s"),
        )

    def _from_objects(self, items: list) -> list[dict]:
        """The entries as objects ({part: text}), as the API sends them: each checked
        as a typed line is, a fault naming its place in the list."""
        return self._checked(
            [(n, lambda item=item: self._values(item)) for n, item in enumerate(items, start=1)],
            _("%(n)d件目: %(why)s"),
        )

    def _checked(self, entries, where) -> list[dict]:
        if len(entries) > MAX_LINES:
            raise ValidationError(_("%(n)d 行までにしてください。") % {"n": MAX_LINES})
        out, errors = [], []
        for n, values in entries:
            try:
                out.append(self._entry(values()))
            except ValidationError as exc:
                errors.append(where % {"n": n, "why": exc.messages[0]})
        if errors:
            raise ValidationError(errors)
        return out

    def _split(self, line: str) -> list[str]:
        values = [v.strip() for v in re.split(r"[,，\t]", line, maxsplit=len(self.parts) - 1)]
        return values + [""] * (len(self.parts) - len(values))

    def _values(self, item) -> list[str]:
        keys = [key for key, _label in self.parts]
        if (
            not isinstance(item, dict)
            or set(item) - set(keys)
            or not all(isinstance(v, str) for v in item.values())
        ):
            raise ValidationError(
                _("%(keys)s を文字列で持つオブジェクトにしてください。") % {"keys": "、".join(keys)}
            )
        return [item.get(key, "").strip() for key in keys]

    def _entry(self, values: list[str]) -> dict:
        if any(CONTROLS.search(v) or BIDI_CONTROLS.search(v) for v in values):
            raise ValidationError(_("制御文字（表示順を入れ替える文字を含む）は使えません。"))
        if not all(values[: self.needed]):
            names = "、".join(str(label) for _key, label in self.parts[: self.needed])
            raise ValidationError(
                _("「%(names)s」をカンマ区切りで書いてください。") % {"names": names}
            )
        entry = {}
        for (key, _label), value in zip(self.parts, values, strict=True):
            if len(value) > 500:
                raise ValidationError(_("1項目は500文字までにしてください。"))
            if key in self.dates and value:
                try:
                    day = wareki.parse(value)
                except wareki.DateUnreadable:
                    raise ValidationError(
                        _("「%(text)s」は日付として読めません（例: 2026-04-01、令和8年4月1日）。")
                        % {"text": value}
                    ) from None
                not_in_future(day)
                value = day.isoformat()
            if key in self.words and value:
                value = self._code(key, value)
            entry[key] = value
        if self.checks and (message := self.checks(entry)):
            raise ValidationError(message)
        return entry

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                ", ".join(self.shown(e, k) for k, _l in self.parts).rstrip(", ") for e in value
            )
        return value


class RecordForm(forms.Form):
    """The fields every kind shares. A subclass adds its own and says which of its
    days is the record's `date` (and `until`)."""

    kind: ClassVar[str]
    summary_fields: ClassVar[tuple[str, ...]] = ()
    until_field: ClassVar[str | None] = None
    # The labels a file of this kind may carry.
    file_labels: ClassVar[tuple[str, ...]] = (RecordFile.Label.CERTIFICATE, RecordFile.Label.OTHER)

    def __init__(self, *args, system=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        plain_text_fields(self)

    @classmethod
    def from_record(cls, record, **kwargs):
        initial = {**record.data, "date": record.date, "scan": record.scan_id}
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.DateField) and isinstance(initial.get(name), str):
                initial[name] = datetime.date.fromisoformat(initial[name])
        return cls(initial=initial, **kwargs)

    def payload(self) -> dict:
        """The cleaned fields as JSON (days as ISO dates)."""
        out = {}
        for name in self.data_names():
            value = self.cleaned_data.get(name)
            out[name] = value.isoformat() if isinstance(value, datetime.date) else value
        return out

    def until(self) -> datetime.date | None:
        return self.cleaned_data.get(self.until_field) if self.until_field else None

    @classmethod
    def data_names(cls) -> list[str]:
        return [name for name in cls.base_fields if name not in ("date", "scan")]

    @classmethod
    def rows(cls, record_or_data) -> list[tuple[str, Any]]:
        """(label, value) for each field, in the reader's language: a list of dicts
        stays a list (the template shows it as a table)."""
        data = getattr(record_or_data, "data", record_or_data)
        out = []
        for name in cls.data_names():
            field = cls.base_fields[name]
            value = data.get(name)
            if isinstance(field, forms.ChoiceField):
                choices = dict(field.choices)  # type: ignore[arg-type]  # (pairs, never groups here)
                if isinstance(value, list):
                    value = "、".join(str(choices.get(v, v)) for v in value)
                else:
                    value = str(choices.get(value, value or ""))
            out.append((str(field.label), value))
        return out

    @classmethod
    def display(cls, record_or_data) -> list[tuple[str, Any]]:
        """rows(), with each list as a table: {"columns": [...], "rows": [[...], ...]}."""
        out = []
        for name, (label, value) in zip(cls.data_names(), cls.rows(record_or_data), strict=True):
            if isinstance(value, list):
                field = cls.base_fields[name]
                assert isinstance(field, LinesField)
                keys = [key for key, _l in cls.columns(name)]
                value = {
                    "columns": [label for _k, label in cls.columns(name)],
                    "rows": [[field.shown(e, k) for k in keys] for e in value],
                }
            elif isinstance(value, bool):
                value = str(_("はい") if value else _("いいえ"))
            elif value is None:
                value = ""
            out.append((label, value if isinstance(value, dict) else str(value)))
        return out

    @classmethod
    def summary(cls, record) -> str:
        """A line that tells this record from the others of its kind."""
        rows = dict(zip(cls.data_names(), cls.display(record), strict=True))
        parts = []
        for name in cls.summary_fields:
            label, value = rows[name]
            if isinstance(value, dict):
                value = str(_("%(n)d件") % {"n": len(value["rows"])})
            if value:
                parts.append(f"{label}: {value}")
        return "・".join(parts)

    @classmethod
    def columns(cls, name: str) -> list[tuple[str, str]]:
        field = cls.base_fields[name]
        assert isinstance(field, LinesField)
        return [(key, str(label)) for key, label in field.parts]
