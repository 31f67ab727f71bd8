"""70–71: the review of the logs, and how long they are kept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kakunin.records.kinds.base import PastDateField, RecordForm, area_field, text_field
from kakunin.records.models import Kind

LOG_KINDS = [
    ("operation", _("操作ログ")),
    ("authentication", _("認証ログ")),
    ("event", _("イベントログ")),
    ("access", _("アクセスログ")),
]
MIN_RETENTION_MONTHS = 24  # 2 years (log-retention)


class LogReviewForm(RecordForm):
    kind = Kind.LOG_REVIEW
    summary_fields = ("period_start", "logs", "retention_months")

    period_start = PastDateField(label=_("対象期間（開始）"))
    date = PastDateField(label=_("対象期間（終了）"))
    logs = forms.MultipleChoiceField(
        label=_("点検したログ"), choices=LOG_KINDS, widget=forms.CheckboxSelectMultiple
    )
    findings = area_field(label=_("確認された事象"))
    actions = area_field(label=_("実施した対応"), required=False)
    retention_place = text_field(label=_("ログの保管場所"), max_length=300)
    retention_months = forms.IntegerField(
        label=_("保管期間（月）"), min_value=1, max_value=1200,
        help_text=_("少なくとも2年（24か月）保管してください。"),
    )  # fmt: skip

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("period_start") and data.get("date") and data["period_start"] > data["date"]:
            self.add_error("date", _("対象期間の終了は開始より後にしてください。"))
        return data


def short_retention(data: dict) -> bool:
    return int(data.get("retention_months") or 0) < MIN_RETENTION_MONTHS
