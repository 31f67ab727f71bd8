from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "kakunin.reviews"
    label = "reviews"
