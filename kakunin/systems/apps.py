from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "kakunin.systems"
    label = "systems"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register
        from kakunin.systems.models import AccessRequest, AssetCategory

        register(
            actions={
                "system.create": _("システムの登録"),
                "system.update": _("システム情報の変更"),
                "system.member_add": _("担当者の追加"),
                "system.member_remove": _("担当者の削除"),
                "invitation.create": _("事業者の担当者の招待"),
                "invitation.accept": _("招待の受諾"),
                "invitation.existing_account": _("招待先のメールアドレスに既存のアカウント"),
                "access_request.create": _("利用者追加の依頼"),
                "access_request.decide": _("利用者追加の依頼への判断"),
            },
            fields={
                "name": _("名称"),
                "department": _("所管課"),
                "vendors": _("事業者"),
                "description": _("概要"),
                "asset_categories": _("取り扱う情報資産"),
                "asset_notes": _("情報資産（詳細）"),
                "confidentiality": _("機密性"),
                "integrity": _("完全性"),
                "availability": _("可用性"),
                "uses_servers": _("サーバ・ネットワーク機器を利用する"),
                "serves_web": _("Webサイト・Web画面・Web APIを提供する"),
                "uses_external_services": _("外部サービス（クラウド・SaaS）を利用する"),
                "my_number_domain": _("個人番号利用事務系に属する"),
                "member": _("担当者"),
                "members": _("担当者"),
                "invitation": _("招待"),
                "joinable": _("そのアカウントで担当者になれる"),
            },
            values={
                "asset_categories": dict(AssetCategory.choices),
                "state": dict(AccessRequest.State.choices),
            },
        )
