from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kakunin.assessments"
    label = "assessments"
