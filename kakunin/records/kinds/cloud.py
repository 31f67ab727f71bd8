"""14, 76: cloud services and their ISMAP registration."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.records.kinds.base import (
    ISMAP_NUMBER,
    PastDateField,
    RecordForm,
    area_field,
    text_field,
)
from kakunin.records.models import Kind


class CloudForm(RecordForm):
    kind = Kind.CLOUD
    summary_fields = ("service_name", "number", "region")

    date = PastDateField(label=_("確認日"))
    service_name = text_field(label=_("クラウドサービスの名称"), max_length=300)
    provider = text_field(label=_("提供事業者"), max_length=300)
    region = text_field(label=_("リージョン（データの保管場所）"), max_length=200)
    registration = forms.ChoiceField(
        label=_("登録の区分"),
        choices=[("ismap", "ISMAP"), ("liu", "ISMAP-LIU"), ("none", _("登録なし"))],
    )
    number = text_field(label=_("ISMAP・ISMAP-LIU の登録番号"), max_length=20, required=False,
                   help_text=_("例: C21-0001-1（ISMAP）、L23-0001-1（ISMAP-LIU）"))  # fmt: skip
    usage = area_field(label=_("利用する機能・取り扱う情報"), required=False)

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
