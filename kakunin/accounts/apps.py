from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kakunin.accounts"
    label = "accounts"
