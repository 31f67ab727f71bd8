from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "kakunin.backups"
    label = "backups"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to fill the registries of the apps below.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(
            actions={
                "backup.make": _("バックアップの取得"),
                "backup.verify": _("バックアップの復元確認"),
                "backup.restore": _("バックアップからの復元"),
                "municipality.export": _("団体のデータの書き出し"),
            },
            fields={
                "generation": _("世代"),
                "result": _("結果"),
                "problems": _("問題"),
                "counts": _("件数"),
                "file": _("ファイル"),
            },
        )
