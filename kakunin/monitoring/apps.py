from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "kakunin.monitoring"
    label = "monitoring"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register
        from kakunin.monitoring.models import Alert

        register(
            actions={
                "alert.raise": _("セキュリティアラートの発生"),
                "alert.acknowledge": _("アラートの確認"),
            },
            fields={"kind": _("種類"), "message": _("内容")},
            values={"kind": dict(Alert.Kind.choices)},
        )
