"""Sending e-mail through an outbox that retries.

queue() saves the mail in the caller's transaction: a rolled-back change mails
nobody, and a committed one is sent even if the process dies right after (the
worker sweeps the outbox every minute). A mail the server refuses is tried again
with a growing delay, up to MAX_ATTEMPTS times.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from kakunin.notifications.models import OutgoingMail
from kakunin.tenants.active import current, service_job

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
CLAIM = timedelta(minutes=5)  # how long a sender holds a mail it is sending


def queue(to: list[str], subject: str, body: str) -> OutgoingMail | None:
    """Save one mail (subject on one line) and send it once the transaction commits,
    from the sender of the municipality worked in."""
    to = [address for address in to if address]
    if not to:
        return None
    municipality = current()
    mail = OutgoingMail.objects.create(
        to=to,
        from_email=municipality.mail_from if municipality is not None else "",
        subject=" ".join(subject.split())[:200],
        body=body,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: deliver(mail.pk))
    return mail


@db_task()
@service_job
def deliver(pk: int) -> None:
    """Send it now, on the worker; the minute sweep catches it if this fails."""
    send(pk)


def send(pk: int) -> bool:
    """Send one waiting mail, if no other sender holds it. True when it went out."""
    now = timezone.now()
    claimed = OutgoingMail.objects.filter(
        pk=pk, sent_at__isnull=True, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS
    ).update(next_attempt_at=now + CLAIM)
    if not claimed:
        return False
    mail = OutgoingMail.objects.get(pk=pk)
    try:
        send_mail(mail.subject, mail.body, mail.from_email or settings.DEFAULT_FROM_EMAIL, mail.to)
    except Exception as exc:  # any failure of the mail server is retried, never lost
        attempts = mail.attempts + 1
        log.warning("mail %s not sent (attempt %s): %s", pk, attempts, exc)
        OutgoingMail.objects.filter(pk=pk).update(
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
            next_attempt_at=timezone.now() + timedelta(minutes=2**attempts),
        )
        return False
    OutgoingMail.objects.filter(pk=pk).update(sent_at=timezone.now(), attempts=mail.attempts + 1)
    return True


def send_waiting() -> int:
    """Send every mail that is due (the worker, every minute). Returns how many went."""
    due = OutgoingMail.objects.filter(
        sent_at__isnull=True, next_attempt_at__lte=timezone.now(), attempts__lt=MAX_ATTEMPTS
    ).values_list("pk", flat=True)
    return sum(send(pk) for pk in list(due[:500]))
