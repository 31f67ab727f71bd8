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
            actions={"catalog.form_load": _("様式（チェックリスト）の読み込み")},
            fields={
                "source": _("読み込んだファイル"),
                "items": _("項目数"),
                "untagged": _("管理策のない項目"),
                "created": _("新規"),
            },
        )
