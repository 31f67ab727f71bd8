from django.apps import AppConfig


class ScansConfig(AppConfig):
    name = "kakunin.scans"
    label = "scans"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.scans import panels
        from kakunin.systems.panels import register_panel

        register_panel(20, panels.system_panel)

        from kakunin.assessments.page import register_details
        from kakunin.scans import details

        register_details(details.attach)

        from kakunin.audit.words import register
        from kakunin.scans.policy import Outcome

        register(
            actions={
                "scan.target.add": _("検査対象の登録"),
                "scan.target.remove": _("検査対象の削除"),
                "scan.authorisation.add": _("能動的な検査の許可の記録"),
                "scan.authorisation.revoke": _("能動的な検査の許可の取消し"),
                "scan.request": _("自動確認の実行"),
                "scan.finish": _("自動確認の完了"),
                "scan.cli": _("コマンドによる自動確認"),
            },
            fields={
                "url": "URL",
                "declared_ports": _("申告された公開ポート"),
                "extra_hosts": _("転送先として許可するホスト"),
                "authorised_by": _("許可した者"),
                "reference": _("根拠"),
                "targets": _("対象"),
                "valid": _("期間"),
                "active": _("能動的な検査"),
                "scheduled": _("定期実行"),
                "verdicts": _("結果"),
            },
            values={"verdicts": dict(Outcome.choices)},
        )
