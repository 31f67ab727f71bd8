from django import forms
from django.utils.translation import gettext_lazy as _
from packageurl import PackageURL

from kakunin.core.text import PlainText
from kakunin.inventory.cpe import Cpe, CpeInvalid
from kakunin.inventory.eol import EolState
from kakunin.inventory.models import Component, Kind, Response


class ComponentForm(PlainText, forms.ModelForm):
    class Meta:
        model = Component
        fields = [
            "kind", "maker", "product", "version", "location", "cpe", "purl",
            "eol_product", "support_end", "latest_version", "not_latest_reason", "planned_update",
        ]  # fmt: skip
        widgets = {
            "support_end": forms.DateInput(attrs={"type": "date"}),
            "planned_update": forms.DateInput(attrs={"type": "date"}),
            "not_latest_reason": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "cpe": _("例: cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*（脆弱性情報との照合に使います）"),
            "purl": _("例: pkg:npm/lodash@4.17.21"),
            "eol_product": _(
                "endoflife.date の製品名が製品名と違うとき（例: rhel、windows-server）"
            ),
            "not_latest_reason": _("最新バージョンでない場合は理由を書いてください。"),
        }

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("cpe"):
            try:
                Cpe.parse(data["cpe"])
            except CpeInvalid:
                self.add_error(
                    "cpe",
                    _("CPE 2.3 の形式（cpe:2.3:a:製造元:製品:版:…、13 項目）で入力してください。"),
                )
        if data.get("purl"):
            try:
                PackageURL.from_string(data["purl"])
            except ValueError:
                self.add_error("purl", _("purl の形式（pkg:種類/名前@版）で入力してください。"))
        latest, version = data.get("latest_version"), data.get("version")
        if (
            latest
            and version
            and latest != version
            and not (data.get("not_latest_reason") or "").strip()
        ):
            self.add_error("not_latest_reason", _("最新バージョンでない理由を書いてください。"))
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_(
            "構成一覧（テンプレートの .xlsx・.csv、CycloneDX の .json・.xml、SPDX 2.3 の .json）"
        ),
        max_length=255,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(d, initial) for d in files]


class EolUploadForm(forms.Form):
    # A field named files, not Form.files (the uploaded files), hence the ignore.
    files = MultipleFileField(label=_("endoflife.date の製品ファイル（api/製品名.json）"))  # type: ignore[assignment]


class FilterForm(PlainText, forms.Form):
    kind = forms.ChoiceField(
        label=_("種別"), required=False, choices=[("", _("すべて")), *Kind.choices]
    )
    eol = forms.ChoiceField(
        label=_("サポート"), required=False, choices=[("", _("すべて")), *EolState.choices]
    )
    vulnerable = forms.BooleanField(label=_("未解決の脆弱性があるものだけ"), required=False)
    q = forms.CharField(label=_("製品名"), required=False, max_length=100)


class ResponseForm(PlainText, forms.Form):
    kind = forms.ChoiceField(
        label=_("対応"), choices=Response.Kind.choices, widget=forms.RadioSelect
    )
    date = forms.DateField(
        label=_("日付（対応日・対応予定日）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    fixed_version = forms.CharField(label=_("対応後のバージョン"), required=False, max_length=100)
    reason = forms.CharField(
        label=_("理由・内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(label=_("証跡ファイル（任意）"), required=False, max_length=255)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind in (Response.Kind.FIXED, Response.Kind.PLANNED) and not data.get("date"):
            self.add_error("date", _("対応済は対応日を、対応予定は予定日を入力してください。"))
        if kind == Response.Kind.FIXED and not data.get("fixed_version"):
            self.add_error("fixed_version", _("対応後のバージョンを入力してください。"))
        if kind == Response.Kind.NOT_AFFECTED and not (data.get("reason") or "").strip():
            self.add_error(
                "reason", _("影響がない理由を書いてください（例: 該当する機能を使っていない）。")
            )
        return data


class FeedUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("NVD の CVE JSON 2.0（.json・.json.gz）または JVN iPedia の XML")
    )  # type: ignore[assignment]
