"""Telling people: an in-app notification and an e-mail, in each person's language.

E-mail goes through Django's mail API with a fixed subject per kind; what users
typed (comments, names) only ever goes into the body (mail-header-injection). It goes through
the outbox (outbox.py): saved with the change, sent once it commits, retried
until the mail server takes it.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from kakunin.notifications import outbox
from kakunin.notifications.messages import render
from kakunin.notifications.models import Notification
from kakunin.tenants.active import link


def notify(users, kind: str, context: dict, url: str = "", key: str = "") -> list[Notification]:
    """Notify each (active) user; with `key`, only those not told already. Objects in
    `context` (an assessment) are named in each person's language."""
    made = []
    # A link opens the municipality the notification is about (a vendor person may work
    # for several).
    url = link(url)
    if "url" in context:
        context = context | {"url": link(str(context["url"]))}
    # The objects named in each language: a person reading the notification later in
    # another language sees it whole in that one (an assessment's phase, a report's year).
    by_language = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            by_language[code] = {
                k: v if isinstance(v, int | float | bool) else str(v) for k, v in context.items()
            }
    for user in {u.pk: u for u in users if u.is_active}.values():
        language = user.language or settings.LANGUAGE_CODE
        subject, body = render(kind, by_language[language], language)
        try:
            with transaction.atomic():
                made.append(
                    Notification.objects.create(
                        user=user,
                        kind=kind,
                        subject=subject,
                        body=body,
                        url=url,
                        key=key,
                        context={"by_language": by_language},
                    )
                )
        except IntegrityError:
            continue  # already told
        outbox.queue([user.email], subject, body)
    return made


def email_address(address: str, kind: str, context: dict, language: str = "ja") -> None:
    """Mail someone who has no account yet (an invitation)."""
    subject, body = render(kind, context, language)
    outbox.queue([address], subject, body)
