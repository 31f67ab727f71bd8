from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "kakunin.library"
    label = "library"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to fill the registries of the apps below.
        from django.utils.translation import gettext_lazy as _

        from kakunin.assessments.actions import register_carry
        from kakunin.assessments.page import register_details
        from kakunin.audit.words import register
        from kakunin.library import actions, details

        register_details(details.attach)
        register_carry(actions.prefer_newer_entries)
        register(
            actions={
                "library.product": _("回答マスタの製品・サービスの登録"),
                "library.entry": _("回答マスタの項目の変更"),
                "library.approve": _("回答マスタの項目の承認"),
                "library.file": _("回答マスタの証跡"),
                "library.fill": _("回答マスタから確認票へ記入"),
                "library.carry": _("引継ぎで回答マスタの新しい版を採用"),
            },
            fields={
                "product": _("製品・サービス"),
                "entries": _("回答マスタの項目"),
                "items": _("確認項目"),
                "conditional": _("条件付き回答"),
                "condition": _("条件"),
                "review_by": _("見直し期限"),
                "versions": _("対象のバージョン・エディション"),
            },
        )
