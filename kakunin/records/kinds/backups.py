"""20–22: backups and their restore tests."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kakunin.records.kinds.base import LinesField, PastDateField, RecordForm, area_field, text_field
from kakunin.records.models import Kind


class BackupForm(RecordForm):
    kind = Kind.BACKUP
    summary_fields = ("frequency", "generations", "offsite", "restore_tests")

    date = PastDateField(label=_("確認日"))
    target = area_field(label=_("バックアップの対象"))
    frequency = forms.ChoiceField(
        label=_("取得の頻度"),
        choices=[
            ("daily", _("毎日")),
            ("weekly", _("毎週")),
            ("monthly", _("毎月")),
            ("other", _("その他")),
        ],
    )
    frequency_note = text_field(label=_("頻度の補足"), max_length=300, required=False)
    generations = forms.IntegerField(label=_("保管する世代数"), min_value=1, max_value=10000)
    offsite = text_field(label=_("遠隔地の保管場所"), max_length=300)
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
