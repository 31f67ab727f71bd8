"""Raising and acknowledging alerts: recorded, e-mailed to the security reviewers."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.accounts.models import Role, User
from kakunin.audit.trail import record
from kakunin.monitoring.detection import Finding
from kakunin.monitoring.models import Alert


def raise_alert(finding: Finding) -> Alert | None:
    """Store, audit and e-mail one alert. A finding already raised is skipped (None)."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=finding.kind,
                key=finding.key,
                message=finding.message[:500],
                details=finding.details,
            )
            record(
                "alert.raise",
                alert,
                changes={"kind": [None, alert.kind], "message": [None, alert.message]},
            )
    except IntegrityError:
        return None
    notify(alert)
    return alert


def notify(alert: Alert) -> None:
    """E-mail through Django's mail API. The subject is fixed; what came from the
    log goes into the body only (item 56)."""
    recipients = list(
        User.objects.filter(role=Role.REVIEWER, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    body = _(
        "%(site)s でセキュリティアラートが発生しました。\n\n%(kind)s\n%(message)s\n\n確認: %(url)s/alerts/\n"
    ) % {
        "site": settings.SITE_NAME,
        "kind": alert.get_kind_display(),
        "message": alert.message,
        "url": settings.SITE_URL.rstrip("/"),
    }
    send_mail(
        _("[Kakunin] セキュリティアラート"),
        body,
        settings.DEFAULT_FROM_EMAIL,
        recipients,
        fail_silently=True,
    )


@transaction.atomic
def acknowledge(*, actor, alert: Alert) -> None:
    alert.acknowledged_by, alert.acknowledged_at = actor, timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    record("alert.acknowledge", alert, actor=actor)
