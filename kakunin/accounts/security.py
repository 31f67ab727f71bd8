"""The security settings in force, as the administrator's settings page shows them."""

from django.conf import settings
from django.utils.translation import gettext as _

from kakunin.accounts.models import Role
from kakunin.tenants.active import current
from kakunin.tenants.models import service_min_password_length


def effective_settings() -> list[tuple[str, str, str]]:
    """(form item, what, value) for each setting that answers an item of the form."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    # The municipality worked in: its own policy where it asks more than the service.
    municipality = current()
    length = municipality.min_password_length if municipality else service_min_password_length()
    failures = municipality.failures_before_lockout if municipality else settings.LOCKOUT_FAILURES
    return [
        (
            "5, 42",
            _("パスワード"),
            _(
                "%(n)d文字以上、英大文字・英小文字・数字を含む。よく使われるもの・氏名やメールに似たものは不可"
            )
            % {"n": length},
        ),
        (
            "6",
            _("パスワードの有効期限"),
            _("%(d)d日") % {"d": days} if days else _("なし（PASSWORD_MAX_AGE_DAYS=0）"),
        ),
        ("6", _("再利用できない過去のパスワード"), str(settings.PASSWORD_HISTORY)),
        ("44", _("パスワードの保存"), "argon2id"),
        (
            "45",
            _("アカウントロック"),
            _("%(n)d回失敗で%(m)d分")
            % {
                "n": failures,
                "m": settings.AXES_COOLOFF_TIME.total_seconds() // 60,
            },
        ),
        ("50", _("無操作タイムアウト"), _("%(m)d分") % {"m": settings.SESSION_COOKIE_AGE // 60}),
        (
            "39",
            _("二要素認証（TOTP）が必須のロール"),
            _("全員")
            if settings.MFA_REQUIRED_FOR_ALL
            else _("、").join(str(Role(r).label) for r in settings.MFA_REQUIRED_ROLES),
        ),
        ("39", _("利用者管理に接続できるネットワーク"), ", ".join(settings.ADMIN_ALLOWED_NETWORKS)),
        ("59", _("HTTPS"), _("有効") if settings.HTTPS else _("無効（HTTPS=1 で有効）")),
        (
            "30, 70",
            _("監査証跡の保存期間"),
            _("%(d)d日以上") % {"d": settings.AUDIT_RETENTION_DAYS},
        ),
        ("4, 69", _("棚卸しで未使用とみなす日数"), str(settings.ACCOUNT_REVIEW_UNUSED_DAYS)),
    ]
