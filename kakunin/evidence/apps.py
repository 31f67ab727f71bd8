from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "kakunin.evidence"
    label = "evidence"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.assessments.page import register_details
        from kakunin.evidence import details

        register_details(details.attach)

        from kakunin.audit.words import register

        register(
            actions={
                "evidence.add": _("証跡ファイルの添付"),
                "evidence.remove": _("証跡ファイルの削除"),
                "evidence.download": _("証跡ファイルのダウンロード"),
                "evidence.malware": _("ウイルスを検出した添付の拒否"),
            },
            fields={
                "file": _("ファイル"),
                "sha256": "SHA-256",
                "size": _("サイズ（バイト）"),
                "found": _("検出名"),
            },
        )
