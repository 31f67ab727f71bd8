from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "kakunin.evidence"
    label = "evidence"
