"""Daily: the holders of a certificate are told before it expires, and when it has."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind
from kakunin.records.models import Kind as RecordKind
from kakunin.records.models import Record
from kakunin.tenants.active import for_each_municipality


def remind_certificates(today: datetime.date | None = None) -> int:
    """Each certificate within CERTIFICATE_WARNING_DAYS of its end, and each expired
    one, told once (per end date) to the vendor, the department and the reviewers."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=settings.CERTIFICATE_WARNING_DAYS)
    sent = 0
    certificates = Record.objects.current().filter(kind=RecordKind.CERTIFICATION, until__lte=soon)
    for record in certificates.select_related("system"):
        expired = record.until < today
        system = record.system
        people = [*system.vendor_members(), *system.department_staff()]
        if expired:
            people += list(system.reviewers())
        ctx = {
            "system": system.name,
            "certificate": f"{record.data.get('number', '')} {record.data.get('holder', '')}".strip(),
            "until": record.until.isoformat(),
            "state": _("期限切れ") if expired else _("期限が近づいています"),
        }
        url = reverse("records:detail", args=[system.pk, record.pk])
        key = f"certificate:{record.pk}:{record.until}:{'expired' if expired else 'soon'}"
        sent += len(notify(people, Kind.CERTIFICATE, ctx, url=url, key=key))
    return sent


@db_periodic_task(crontab(hour="8", minute="5"))
@for_each_municipality
def daily_certificate_reminders():
    remind_certificates()
