from django.apps import AppConfig


class FormsXlsxConfig(AppConfig):
    name = "kakunin.forms_xlsx"
    label = "forms_xlsx"
