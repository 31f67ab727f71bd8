"""68–69: the review of administrator accounts."""

from django.utils.translation import gettext_lazy as _

from kakunin.records.kinds.base import (
    DateField,
    LinesField,
    PastDateField,
    RecordForm,
    area_field,
    fold,
    text_field,
)
from kakunin.records.models import Kind

# Words that name a role or a group, not a person: an account's holder must be a person.
ROLE_WORDS = {
    "管理者", "システム管理者", "運用者", "運用担当", "運用担当者", "保守", "保守担当",
    "保守担当者", "担当者", "担当", "共用", "共有", "全員", "各自", "不明", "未定", "なし",
    "admin", "administrator", "root", "operator", "ops", "support", "sysadmin", "user",
    "team", "shared", "everyone", "unknown", "system",
}  # fmt: skip
ROLE_ENDINGS = ("担当", "担当者", "チーム", "グループ", "一同", "team", "group", "部", "課", "係")


def holder_is_person(entry: dict):
    holder = fold(entry["holder"])
    if holder in ROLE_WORDS or holder.endswith(ROLE_ENDINGS) or holder == fold(entry["account"]):
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
    reviewer = text_field(label=_("点検者"), max_length=200)
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
    result = area_field(label=_("点検の結果・対応"))
    next_review = DateField(label=_("次回の点検予定日"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("date") and data.get("next_review") and data["next_review"] <= data["date"]:
            self.add_error("next_review", _("次回の点検予定日は点検日より後にしてください。"))
        return data
