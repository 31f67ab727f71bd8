from django.apps import AppConfig


class ServiceConfig(AppConfig):
    """The service operator's work (LGWAN-ASP 事業者): municipalities, not their data."""

    name = "kakunin.service"
    label = "service"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(
            actions={
                "municipality.create": _("団体の登録"),
                "municipality.suspend": _("団体の利用停止"),
                "municipality.resume": _("団体の利用再開"),
            },
            fields={
                "code": _("全国地方公共団体コード"),
                "administrator": _("最初の管理者"),
                "suspended": _("利用停止"),
            },
        )
