"""What each kind of record holds: one form per kind, the single definition of its
fields, their checks and their words. The record keeps what the form cleaned as
JSON (`RecordForm.payload()`); the pages, the yearly report and its exports read it
back through the same form (`KINDS[kind].rows(record)`).

Lists (the administrator accounts, the restore tests, the media disposed of) are
typed one entry a line, the parts split by commas, as people keep them in Excel;
each line is checked and a fault names its line.
"""

import datetime
import re
import unicodedata
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kakunin.core import wareki
from kakunin.core.text import BIDI_CONTROLS, BIDI_MESSAGE, Text, plain_text_fields, say
from kakunin.records.models import Kind, RecordFile
from kakunin.scans.models import Scan

MAX_LINES = 200
# Control characters other than the tab (a part's separator): never in a list's entry.
CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

# ISMAP: C + the year of registration + serial + revision (C21-0001-1); ISMAP-LIU: L….
ISMAP_NUMBER = re.compile(r"^[CL]\d{2}-\d{4}-\d{1,2}$")


def not_in_future(value: datetime.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("未来の日付は入力できません（%(day)s）。") % {"day": value})


class PastDateField(forms.DateField):
    """A day that has happened: a review, a test, a disposal."""

    widget = forms.DateInput(attrs={"type": "date"})
    default_validators = [not_in_future]


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})


def _text(**kwargs) -> forms.CharField:
    return forms.CharField(max_length=kwargs.pop("max_length", 1000), **kwargs)


def _area(**kwargs) -> forms.CharField:
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
        spellings = {_fold(alias): code for alias, code in self.aliases.get(key, {}).items()}
        for code, words in self.words[key].items():
            spellings[_fold(code)] = code
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    spellings[_fold(str(words))] = code
        if _fold(typed) not in spellings:
            allowed = gettext("・").join(str(w) for w in self.words[key].values())
            raise ValidationError(
                _("「%(text)s」は使えません。%(allowed)s のどれかを書いてください。")
                % {"text": typed, "allowed": allowed}
            )
        return spellings[_fold(typed)]

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


# --- 68–69 -------------------------------------------------------------------------

# Words that name a role or a group, not a person: an account's holder must be a person.
ROLE_WORDS = {
    "管理者", "システム管理者", "運用者", "運用担当", "運用担当者", "保守", "保守担当",
    "保守担当者", "担当者", "担当", "共用", "共有", "全員", "各自", "不明", "未定", "なし",
    "admin", "administrator", "root", "operator", "ops", "support", "sysadmin", "user",
    "team", "shared", "everyone", "unknown", "system",
}  # fmt: skip
ROLE_ENDINGS = ("担当", "担当者", "チーム", "グループ", "一同", "team", "group", "部", "課", "係")


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def holder_is_person(entry: dict):
    holder = _fold(entry["holder"])
    if holder in ROLE_WORDS or holder.endswith(ROLE_ENDINGS) or holder == _fold(entry["account"]):
        return _(
            "「%(holder)s」は人の名前ではありません。アカウントを使う人の氏名を書いてください"
            "（共用アカウントは「共用アカウント」の欄へ）。"
        ) % {"holder": entry["holder"]}
    return None


class AdminReviewForm(RecordForm):
    kind = Kind.ADMIN_REVIEW
    summary_fields = ("reviewer", "accounts", "next_review")
    until_field = "next_review"

    date = PastDateField(label=_("点検日"))
    reviewer = _text(label=_("点検者"), max_length=200)
    accounts = LinesField(
        label=_("管理者アカウント"),
        parts=[
            ("account", _("アカウント名")),
            ("holder", _("利用者の氏名")),
            ("purpose", _("用途")),
        ],
        needed=2,
        checks=holder_is_person,
    )
    removed = LinesField(
        label=_("前回の点検以降に無効化・削除したアカウント"),
        parts=[("account", _("アカウント名")), ("day", _("日付")), ("reason", _("理由"))],
        needed=1,
        dates=("day",),
        required=False,
    )
    shared = LinesField(
        label=_("共用アカウント"),
        parts=[("account", _("アカウント名")), ("tracing", _("利用者を特定する方法"))],
        needed=2,
        required=False,
    )
    result = _area(label=_("点検の結果・対応"))
    next_review = DateField(label=_("次回の点検予定日"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("date") and data.get("next_review") and data["next_review"] <= data["date"]:
            self.add_error("next_review", _("次回の点検予定日は点検日より後にしてください。"))
        return data


# --- 70–71 -------------------------------------------------------------------------

LOG_KINDS = [
    ("operation", _("操作ログ")),
    ("authentication", _("認証ログ")),
    ("event", _("イベントログ")),
    ("access", _("アクセスログ")),
]
MIN_RETENTION_MONTHS = 24  # 2 years (item 71)


class LogReviewForm(RecordForm):
    kind = Kind.LOG_REVIEW
    summary_fields = ("period_start", "logs", "retention_months")

    period_start = PastDateField(label=_("対象期間（開始）"))
    date = PastDateField(label=_("対象期間（終了）"))
    logs = forms.MultipleChoiceField(
        label=_("点検したログ"), choices=LOG_KINDS, widget=forms.CheckboxSelectMultiple
    )
    findings = _area(label=_("確認された事象"))
    actions = _area(label=_("実施した対応"), required=False)
    retention_place = _text(label=_("ログの保管場所"), max_length=300)
    retention_months = forms.IntegerField(
        label=_("保管期間（月）"), min_value=1, max_value=1200,
        help_text=_("少なくとも2年（24か月）保管してください（No.71）。"),
    )  # fmt: skip

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("period_start") and data.get("date") and data["period_start"] > data["date"]:
            self.add_error("date", _("対象期間の終了は開始より後にしてください。"))
        return data


def short_retention(data: dict) -> bool:
    return int(data.get("retention_months") or 0) < MIN_RETENTION_MONTHS


# --- 82 -----------------------------------------------------------------------------

SEVERITIES = [
    ("critical", _("緊急")),
    ("high", _("重要")),
    ("medium", _("警告")),
    ("low", _("注意")),
    ("info", _("情報")),
]


class VulnAssessmentForm(RecordForm):
    kind = Kind.VULN_ASSESSMENT
    summary_fields = ("performer", "method", "remediation_status")

    date = PastDateField(label=_("実施日"))
    performer_kind = forms.ChoiceField(
        label=_("実施者の区分"),
        choices=[("vendor", _("事業者自身")), ("third_party", _("第三者（診断事業者）"))],
    )
    performer = _text(label=_("実施者（会社名）"), max_length=200)
    method = forms.ChoiceField(
        label=_("方法"),
        choices=[
            ("platform", _("プラットフォーム診断（ツール）")),
            ("web_tool", _("Webアプリケーション診断（ツール）")),
            ("web_manual", _("Webアプリケーション診断（手動）")),
            ("pentest", _("ペネトレーションテスト")),
            ("other", _("その他")),
        ],
    )
    tool = _text(label=_("使用したツール"), max_length=300, required=False)
    scope = _area(label=_("対象範囲（URL・ホスト・機能）"))
    critical = forms.IntegerField(label=_("検出数: 緊急"), min_value=0, max_value=100000, initial=0)
    high = forms.IntegerField(label=_("検出数: 重要"), min_value=0, max_value=100000, initial=0)
    medium = forms.IntegerField(label=_("検出数: 警告"), min_value=0, max_value=100000, initial=0)
    low = forms.IntegerField(label=_("検出数: 注意"), min_value=0, max_value=100000, initial=0)
    remediation_status = forms.ChoiceField(
        label=_("是正の状況"),
        choices=[
            ("done", _("是正済")),
            ("in_progress", _("是正中")),
            ("planned", _("是正予定")),
            ("none_needed", _("是正不要（検出なし・影響なし）")),
        ],
    )
    remediated_on = PastDateField(label=_("是正完了日"), required=False)
    remediation_due = DateField(label=_("是正予定日"), required=False)
    remediation = _area(label=_("是正の内容"), required=False)
    scan: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Kakunin の自動確認の結果を添える"), queryset=None, required=False,
        help_text=_("このシステムの自動確認（TLS・ヘッダ等）の結果を診断の一つとして添えられます。"),
    )  # fmt: skip

    def __init__(self, *args, system=None, **kwargs):
        super().__init__(*args, system=system, **kwargs)
        field = self.fields["scan"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Scan.objects.filter(system=system).order_by("-created_at")
            if system
            else Scan.objects.none()
        )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        status = data.get("remediation_status")
        found = sum(int(data.get(k) or 0) for k in ("critical", "high", "medium", "low"))
        if status == "done" and found and not data.get("remediated_on"):
            self.add_error("remediated_on", _("是正済なら是正完了日を入れてください。"))
        if status in ("in_progress", "planned") and not data.get("remediation_due"):
            self.add_error("remediation_due", _("是正中・是正予定なら是正予定日を入れてください。"))
        if data.get("remediated_on") and data.get("date") and data["remediated_on"] < data["date"]:
            self.add_error("remediated_on", _("是正完了日は実施日より後にしてください。"))
        return data


# --- 20–22 --------------------------------------------------------------------------


class BackupForm(RecordForm):
    kind = Kind.BACKUP
    summary_fields = ("frequency", "generations", "offsite", "restore_tests")

    date = PastDateField(label=_("確認日"))
    target = _area(label=_("バックアップの対象"))
    frequency = forms.ChoiceField(
        label=_("取得の頻度"),
        choices=[
            ("daily", _("毎日")),
            ("weekly", _("毎週")),
            ("monthly", _("毎月")),
            ("other", _("その他")),
        ],
    )
    frequency_note = _text(label=_("頻度の補足"), max_length=300, required=False)
    generations = forms.IntegerField(label=_("保管する世代数"), min_value=1, max_value=10000)
    offsite = _text(label=_("遠隔地の保管場所"), max_length=300)
    restore_tests = LinesField(
        label=_("復元テスト"),
        parts=[("day", _("日付")), ("result", _("結果")), ("note", _("内容"))],
        words={
            "result": {
                "success": pgettext_lazy("restore test", "成功"),
                "failure": pgettext_lazy("restore test", "失敗"),
            }
        },
        aliases={"result": {"ok": "success", "ng": "failure"}},
        needed=2,
        dates=("day",),
        required=False,
    )


# --- 14, 76 -------------------------------------------------------------------------


class CloudForm(RecordForm):
    kind = Kind.CLOUD
    summary_fields = ("service_name", "number", "region")

    date = PastDateField(label=_("確認日"))
    service_name = _text(label=_("クラウドサービスの名称"), max_length=300)
    provider = _text(label=_("提供事業者"), max_length=300)
    region = _text(label=_("リージョン（データの保管場所）"), max_length=200)
    registration = forms.ChoiceField(
        label=_("登録の区分"),
        choices=[("ismap", "ISMAP"), ("liu", "ISMAP-LIU"), ("none", _("登録なし"))],
    )
    number = _text(label=_("ISMAP・ISMAP-LIU の登録番号"), max_length=20, required=False,
                   help_text=_("例: C21-0001-1（ISMAP）、L23-0001-1（ISMAP-LIU）"))  # fmt: skip
    usage = _area(label=_("利用する機能・取り扱う情報"), required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        number = unicodedata.normalize("NFKC", data.get("number") or "").strip().upper()
        data["number"] = number
        registration = data.get("registration")
        if registration in ("ismap", "liu") and not number:
            self.add_error("number", _("登録番号を入れてください。"))
        elif number and not ISMAP_NUMBER.match(number):
            self.add_error(
                "number", _("登録番号は C21-0001-1 や L23-0001-1 の形で入れてください。")
            )
        elif number and registration == "ismap" and number[0] != "C":
            self.add_error("number", _("ISMAP の登録番号は C で始まります。"))
        elif number and registration == "liu" and number[0] != "L":
            self.add_error("number", _("ISMAP-LIU の登録番号は L で始まります。"))
        elif number and registration == "none":
            self.add_error("registration", _("登録番号があるなら区分を選んでください。"))
        return data


# --- 77 -----------------------------------------------------------------------------

SCHEMES = [
    ("isms", _("ISMS（ISO/IEC 27001）")),
    ("isms_cloud", _("ISMSクラウドセキュリティ（ISO/IEC 27017）")),
    ("pmark", _("プライバシーマーク（JIS Q 15001）")),
    ("soc2", "SOC 2"),
    ("iso27018", "ISO/IEC 27018"),
    ("other", _("その他")),
]


class CertificationForm(RecordForm):
    kind = Kind.CERTIFICATION
    summary_fields = ("scheme", "number", "valid_until")
    until_field = "valid_until"

    scheme = forms.ChoiceField(label=_("制度"), choices=SCHEMES)
    scheme_other = _text(label=_("制度の名称（その他のとき）"), max_length=200, required=False)
    number = _text(label=_("登録・認証番号"), max_length=100)
    holder = _text(label=_("取得している組織"), max_length=300)
    scope = _area(label=_("適用範囲"))
    certifier = _text(label=_("審査・認証機関"), max_length=300)
    date = PastDateField(label=_("取得・更新日"))
    valid_until = DateField(label=_("有効期限"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("scheme") == "other" and not data.get("scheme_other"):
            self.add_error("scheme_other", _("制度の名称を入れてください。"))
        if data.get("date") and data.get("valid_until") and data["valid_until"] <= data["date"]:
            self.add_error("valid_until", _("有効期限は取得・更新日より後にしてください。"))
        return data


# --- 83 -----------------------------------------------------------------------------


class DisposalForm(RecordForm):
    kind = Kind.DISPOSAL
    summary_fields = ("devices", "company", "method")
    file_labels = (
        RecordFile.Label.CERTIFICATE,
        RecordFile.Label.BEFORE,
        RecordFile.Label.AFTER,
        RecordFile.Label.OTHER,
    )

    date = PastDateField(label=_("廃棄日"))
    time = forms.TimeField(label=_("時刻"), widget=forms.TimeInput(attrs={"type": "time"}))
    devices = LinesField(
        label=_("廃棄した機器・媒体"),
        parts=[("ident", _("機器名・製造番号")), ("area", _("領域・パーティション"))],
        needed=1,
    )
    company = _text(label=_("廃棄事業者"), max_length=300)
    method = forms.ChoiceField(
        label=_("方法"),
        choices=[
            ("physical", _("物理破壊")),
            ("degauss", _("磁気消去")),
            ("crypto_erase", _("暗号化消去")),
            ("overwrite", _("上書き消去")),
            ("other", _("その他")),
        ],
    )
    result = _area(label=_("結果"))
    residual_risks = _area(label=_("残存リスク"), required=False)
    my_number = forms.BooleanField(
        label=_("個人番号（マイナンバー）を扱った媒体を含む"), required=False
    )

    def payload(self) -> dict:
        out = super().payload()
        out["time"] = self.cleaned_data["time"].strftime("%H:%M")
        return out


KINDS: dict[str, type[RecordForm]] = {
    form.kind: form
    for form in (
        AdminReviewForm,
        LogReviewForm,
        VulnAssessmentForm,
        BackupForm,
        CloudForm,
        CertificationForm,
        DisposalForm,
    )
}


def record_problems(record, today: datetime.date) -> list[Text]:
    """What the ward should notice in a record by itself (the ISMAP check is
    records/ismap.py): logs kept under 2 years, a certificate expired or expiring,
    an admin-account review past its next date."""
    out = []
    if record.kind == Kind.LOG_REVIEW and short_retention(record.data):
        out.append(say("ログの保管期間が2年（24か月）未満です。"))
    if record.kind == Kind.CERTIFICATION and record.until:
        if record.until < today:
            out.append(say("有効期限（%(day)s）が過ぎています。", day=record.until.isoformat()))
        elif record.until <= today + datetime.timedelta(days=settings.CERTIFICATE_WARNING_DAYS):
            out.append(say("有効期限（%(day)s）が近づいています。", day=record.until.isoformat()))
    return out


class FilesForm(forms.Form):
    """The evidence files sent with a record: one field per label the kind allows."""

    def __init__(
        self, *args, labels=(RecordFile.Label.CERTIFICATE, RecordFile.Label.OTHER), **kwargs
    ):
        super().__init__(*args, **kwargs)
        names = dict(RecordFile.Label.choices)
        for label in labels:
            self.fields[f"file_{label}"] = forms.FileField(label=names[label], required=False)

    def uploads(self) -> list[tuple]:
        return [
            (upload, name.removeprefix("file_"))
            for name, upload in self.cleaned_data.items()
            if upload
        ]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("コメント"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("取下げの理由"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_text_fields(self)


class IsmapUploadForm(forms.Form):
    file = forms.FileField(label=_("ISMAP クラウドサービスリスト（.xlsx・.csv）"))


def audit_words() -> dict:
    """The words of every kind's fields, of the parts of its lists and of its choices,
    for the audit trail (whose events keep the codes a record is stored as)."""
    fields: dict = {}
    values: dict = {}
    for form in KINDS.values():
        for name, field in form.base_fields.items():
            fields.setdefault(name, field.label)
            if isinstance(field, forms.ChoiceField) and not hasattr(field, "queryset"):
                values.setdefault(name, {}).update(dict(field.choices))  # type: ignore[arg-type]
            if isinstance(field, LinesField):
                for key, label in field.parts:
                    fields.setdefault(key, label)
                for key, words in field.words.items():
                    values.setdefault(key, {}).update(words)
    return {"fields": fields, "values": values}
