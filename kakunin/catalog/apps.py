from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "kakunin.catalog"
    label = "catalog"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(
            actions={
                "catalog.form_load": _("様式（チェックリスト）の読み込み"),
                "catalog.form_draft": _("様式の新しい版（下書き）"),
                "catalog.item_edit": _("様式の項目の変更"),
                "catalog.form_publish": _("様式の版の公開"),
                "catalog.form_high": _("重要度「高」の水準の変更"),
            },
            fields={
                "source": _("読み込んだファイル"),
                "items": _("項目数"),
                "untagged": _("管理策のない項目"),
                "created": _("新規"),
                "from_version": _("元の版"),
                "version": _("版"),
                "item": _("項目"),
                "condition": _("適用条件"),
                "controls": _("管理策"),
                "high": _("重要度「高」の水準"),
            },
        )
