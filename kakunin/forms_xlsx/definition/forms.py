"""The upload of a municipality's own form, and the corrections of its preview."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.catalog.layout import STATUSES
from kakunin.catalog.loader import SLUG, vocabulary_keys
from kakunin.core.text import PlainText

# What a column can be taken to be in the preview ("" : left aside).
COLUMN_CHOICES = [
    ("", _("取り込まない")),
    ("number", _("番号（No）")),
    ("section", _("大項目・分類")),
    ("subsection", _("中項目")),
    ("question", _("質問・確認事項")),
    ("examples", _("記載例")),
    ("answer", _("回答（事業者が記入）")),
    ("status", _("対応状況（事業者が記入）")),
    ("plan", _("対応予定（事業者が記入）")),
    ("target_date", _("対応予定日（事業者が記入）")),
    ("verdict", _("自治体の確認欄")),
]
STATUS_CHOICES = [
    ("", _("（読まない）")),
    ("done", _("対応済")),
    ("partial", _("一部対応")),
    ("not_done", _("未対応")),
    ("na", _("該当なし")),
    ("ward", _("自治体で対応")),
]
assert {code for code, _label in STATUS_CHOICES if code} == set(STATUSES)


class DefinitionForm(PlainText, forms.Form):
    """What names the form; the file on upload."""

    name = forms.CharField(
        label=_("様式の名前（空欄: ファイルの表題）"), max_length=200, required=False
    )
    issuer = forms.CharField(label=_("自治体名（空欄: 表題から）"), max_length=200, required=False)
    key = forms.CharField(
        label=_("様式のキー（英小文字・数字・ハイフン。空欄: ファイル名から）"),
        max_length=60,
        required=False,
    )
    version = forms.CharField(label=_("版"), max_length=20, initial="1")

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip()
        if key and not SLUG.match(key):
            raise forms.ValidationError(_("英小文字・数字・ハイフンで書いてください。"))
        return key


class UploadDefinitionForm(DefinitionForm):
    file = forms.FileField(label=_("自治体の様式（xlsx）"), max_length=255)

    field_order = ["file", "name", "issuer", "key", "version"]


def corrections(post, columns, words, labels) -> tuple[dict, dict, dict, list[str]]:
    """The preview's corrections from its POST: (column -> field, word -> status,
    item label -> controls), and what was refused, in words."""
    fields = {code for code, _label in COLUMN_CHOICES}
    statuses = {code for code, _label in STATUS_CHOICES}
    known = vocabulary_keys()
    remap, taken, chosen, errors = {}, {}, {}, []
    for column in columns:
        value = post.get(f"column-{column.index}", column.field)
        if value not in fields:
            errors.append(str(_("列「%(h)s」: 知らない列の種類です。") % {"h": column.heading}))
        elif value != column.field:
            remap[column.index] = value
    for n, word in enumerate(words):
        value = post.get(f"word-{n}", "")
        if value not in statuses:
            errors.append(str(_("「%(w)s」: 知らない対応状況です。") % {"w": word}))
        elif value:
            taken[word] = value
    for n, label in enumerate(labels):
        keys = [k for k in post.getlist(f"controls-{n}") if k]
        unknown = [k for k in keys if k not in known]
        if unknown:
            errors.append(
                str(
                    _("No.%(n)s: 管理策「%(k)s」はありません。")
                    % {"n": label, "k": ", ".join(unknown)}
                )
            )
        chosen[label] = list(dict.fromkeys(k for k in keys if k in known))
    return remap, taken, chosen, errors
