from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "kakunin.crypto"
    label = "crypto"
