"""The municipality (tenant): one of the local governments the service serves.

A one-ward installation is a service with one municipality, named by the settings
MUNICIPALITY_CODE and MUNICIPALITY_NAME. A municipality's own settings override the
service's where it sets them, never below the service's minimum (clean())."""

import ipaddress
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kakunin.tenants.codes import normalise_local_government_code, validate_local_government_code


class Municipality(models.Model):
    code = models.CharField(
        _("全国地方公共団体コード"),
        max_length=6,
        unique=True,
        validators=[validate_local_government_code],
        help_text=_("6桁（検査数字を含む）。千代田区は 131016。"),
    )
    name = models.CharField(_("団体名"), max_length=100)
    name_en = models.CharField(_("団体名（英語）"), max_length=100, blank=True)
    # The municipality's own settings; blank or empty means the service's.
    display_name = models.CharField(
        _("画面に表示する名称"),
        max_length=100,
        blank=True,
        help_text=_("空欄のときはサービスの名称を表示します。"),
    )
    policy_line = models.CharField(_("ページ上部の方針の一文"), max_length=300, blank=True)
    mail_from = models.EmailField(_("メールの差出人"), blank=True)
    admin_allowed_networks = models.JSONField(
        _("利用者管理を許すネットワーク"), default=list, blank=True
    )
    password_min_length = models.PositiveSmallIntegerField(
        _("パスワードの最小文字数"), null=True, blank=True
    )
    lockout_failures = models.PositiveSmallIntegerField(
        _("ロックまでの失敗回数"), null=True, blank=True
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("期限前の催促（日前）"), null=True, blank=True
    )
    report_due_month = models.PositiveSmallIntegerField(
        _("年次報告の提出月"), null=True, blank=True
    )
    suspended_at = models.DateTimeField(_("利用停止"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("団体")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report_due_month__isnull=True)
                | models.Q(report_due_month__gte=1, report_due_month__lte=12),
                name="municipality_report_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @classmethod
    def default(cls) -> "Municipality":
        """The municipality of a one-ward installation: MUNICIPALITY_CODE's, made on
        first use (every migrated database has it; a test database gets it here)."""
        municipality, _ = cls.objects.get_or_create(
            code=settings.MUNICIPALITY_CODE, defaults={"name": settings.MUNICIPALITY_NAME}
        )
        return municipality

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    # --- Its settings, the service's where it has none -------------------------
    @property
    def shown_name(self) -> str:
        return self.display_name or settings.SITE_NAME

    @property
    def sender(self) -> str:
        return self.mail_from or settings.DEFAULT_FROM_EMAIL

    @property
    def allowed_networks(self) -> list[str]:
        return list(self.admin_allowed_networks) or list(settings.ADMIN_ALLOWED_NETWORKS)

    @property
    def min_password_length(self) -> int:
        return max(self.password_min_length or 0, service_min_password_length())

    @property
    def failures_before_lockout(self) -> int:
        service = settings.LOCKOUT_FAILURES
        return min(self.lockout_failures or service, service)

    @property
    def days_before_due(self) -> int:
        return self.reminder_days or settings.REMINDER_DAYS_BEFORE_DUE

    def clean(self) -> None:
        super().clean()
        if self.code:
            try:
                self.code = normalise_local_government_code(self.code)
            except ValidationError as e:
                raise ValidationError({"code": e.messages}) from None
        errors = {}
        if self.password_min_length and self.password_min_length < service_min_password_length():
            errors["password_min_length"] = _(
                "サービスの最小（%(n)s 文字）より短くはできません。"
            ) % {"n": service_min_password_length()}
        if self.lockout_failures and self.lockout_failures > settings.LOCKOUT_FAILURES:
            errors["lockout_failures"] = _("サービスの上限（%(n)s 回）より多くはできません。") % {
                "n": settings.LOCKOUT_FAILURES
            }
        for network in self.admin_allowed_networks or []:
            if not _is_network(network):
                errors["admin_allowed_networks"] = _(
                    "「%(value)s」はネットワークの形（例: 10.0.0.0/8）ではありません。"
                ) % {"value": network}
        if errors:
            raise ValidationError(errors)


def service_min_password_length() -> int:
    """The service's minimum, from its MinimumLengthValidator (AUTH_PASSWORD_VALIDATORS)."""
    for validator in settings.AUTH_PASSWORD_VALIDATORS:
        named = cast(dict, validator)
        if named["NAME"].endswith("MinimumLengthValidator"):
            return int(named.get("OPTIONS", {}).get("min_length", 8))
    return 8


def _is_network(value) -> bool:
    try:
        ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False
    return True


def default_municipality_pk() -> int:
    """The default of every municipality column while one municipality is served."""
    return Municipality.default().pk
