"""82: vulnerability assessments and their remediation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.records.kinds.base import DateField, PastDateField, RecordForm, area_field, text_field
from kakunin.records.models import Kind
from kakunin.scans.models import Scan

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
    performer = text_field(label=_("実施者（会社名）"), max_length=200)
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
    tool = text_field(label=_("使用したツール"), max_length=300, required=False)
    scope = area_field(label=_("対象範囲（URL・ホスト・機能）"))
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
    remediation = area_field(label=_("是正の内容"), required=False)
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
