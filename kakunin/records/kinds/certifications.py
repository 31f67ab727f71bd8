"""77: certifications (ISMS, Privacy Mark, …)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.records.kinds.base import DateField, PastDateField, RecordForm, area_field, text_field
from kakunin.records.models import Kind

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
    scheme_other = text_field(label=_("制度の名称（その他のとき）"), max_length=200, required=False)
    number = text_field(label=_("登録・認証番号"), max_length=100)
    holder = text_field(label=_("取得している組織"), max_length=300)
    scope = area_field(label=_("適用範囲"))
    certifier = text_field(label=_("審査・認証機関"), max_length=300)
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
