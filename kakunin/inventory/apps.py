from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "kakunin.inventory"
    label = "inventory"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to fill the registries of the apps below.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register
        from kakunin.inventory import panels
        from kakunin.systems.panels import register_panel

        register_panel(30, panels.system_panel)

        from kakunin.assessments.page import register_details
        from kakunin.inventory import details

        register_details(details.attach)
        register(
            actions={
                "inventory.add": _("構成要素の追加"),
                "inventory.update": _("構成要素の変更"),
                "inventory.remove": _("構成要素の削除"),
                "inventory.import_upload": _("構成一覧ファイルのアップロード"),
                "inventory.import": _("構成一覧の取り込み"),
                "inventory.import_cancel": _("構成一覧の取り込みの取消し"),
                "eol.import": _("サポート期限データの取り込み"),
                "vulnerability.import": _("脆弱性情報の取り込み"),
                "vulnerability.respond": _("脆弱性への対応の記録"),
            },
            fields={
                "kind": _("種別"),
                "maker": _("製造元"),
                "product": _("製品名"),
                "version": _("バージョン"),
                "location": _("稼働場所"),
                "support_end": _("サポート終了日"),
                "latest_version": _("最新バージョン"),
                "not_latest_reason": _("最新でない理由"),
                "planned_update": _("更新予定日"),
                "cycles": _("リリースサイクル"),
                "changed": _("変更"),
                "changes": _("変更"),
                "new": _("新規"),
                "unchanged": _("変更なし"),
                "response": _("対応"),
                "date": _("日付"),
                "reason": _("理由・内容"),
            },
        )
