"""83: equipment and media disposed of."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.records.kinds.base import LinesField, PastDateField, RecordForm, area_field, text_field
from kakunin.records.models import Kind, RecordFile


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
    company = text_field(label=_("廃棄事業者"), max_length=300)
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
    result = area_field(label=_("結果"))
    residual_risks = area_field(label=_("残存リスク"), required=False)
    my_number = forms.BooleanField(
        label=_("個人番号（マイナンバー）を扱った媒体を含む"), required=False
    )

    def payload(self) -> dict:
        out = super().payload()
        out["time"] = self.cleaned_data["time"].strftime("%H:%M")
        return out
