"""The words of a notification, from its kind's templates, in a given language."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render(kind: str, context: dict, language: str) -> tuple[str, str]:
    with translation.override(language or settings.LANGUAGE_CODE):
        ctx = {"site": settings.SITE_NAME, "site_url": settings.SITE_URL.rstrip("/"), **context}
        subject = render_to_string(f"notifications/email/{kind}_subject.txt", ctx)
        body = render_to_string(f"notifications/email/{kind}.txt", ctx)
    # One line, no line breaks: nothing can be smuggled into the headers.
    return " ".join(subject.split())[:200], body
