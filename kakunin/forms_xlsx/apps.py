from django.apps import AppConfig


class FormsXlsxConfig(AppConfig):
    name = "kakunin.forms_xlsx"
    label = "forms_xlsx"

    def ready(self):
        # Imports here, not at the top: Django calls ready() once every app's models are
        # loaded, the documented place to connect receivers and fill the registries.
        from django.utils.translation import gettext_lazy as _

        from kakunin.audit.words import register

        register(
            actions={
                "form.export": _("Excel様式の書き出し"),
                "form.import_upload": _("Excel様式のアップロード"),
                "form.import": _("Excel様式の取り込み"),
                "form.import_cancel": _("Excel様式の取り込みの取消し"),
                "form.definition_upload": _("自治体の様式（Excel）のアップロード"),
                "form.definition_cancel": _("自治体の様式の読み込みの取消し"),
            },
            fields={
                "bytes": _("サイズ（バイト）"),
                "answers_changed": _("変更した回答"),
                "changes": _("変更件数"),
            },
        )
