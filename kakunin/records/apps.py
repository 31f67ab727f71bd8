from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "kakunin.records"
    label = "records"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to fill the registries of the apps below.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register
        from kakunin.records import kinds

        register(
            actions={
                "record.add": _("運用記録の追加"),
                "record.update": _("運用記録の変更"),
                "record.withdraw": _("運用記録の取下げ"),
                "record.comment": _("運用記録へのコメント"),
                "record.file": _("運用記録への証跡の添付"),
                "ismap.import": _("ISMAP クラウドサービスリストの取り込み"),
            },
            fields={
                "until": _("期限・次回予定日"),
                "data": _("内容"),
                "scan": _("自動確認"),
                "label": _("区分"),
                "listed": _("掲載"),
                "removed": _("リストから外れた"),
                "comment": _("コメント"),
                "file": _("ファイル"),
            },
        )
        register(**kinds.audit_words(), defaults=True)
