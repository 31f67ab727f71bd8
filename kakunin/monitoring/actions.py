"""Raising and acknowledging alerts: recorded, e-mailed to the security reviewers."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kakunin.accounts.models import Role, User
from kakunin.audit.trail import record
from kakunin.monitoring.detection import Finding, describe
from kakunin.monitoring.models import Alert
from kakunin.notifications import outbox
from kakunin.tenants.models import Municipality


def _gather(alert: Alert, finding: Finding) -> None:
    """The accounts a later finding adds to an alert that goes on, and its words anew."""
    if not finding.details.get("accounts"):
        return
    accounts = list(
        dict.fromkeys([*alert.details.get("accounts", []), *finding.details["accounts"]])
    )
    details = alert.details | {"accounts": accounts[:50]}
    if "tried" in finding.details:
        details["tried"] = max(
            len(accounts), alert.details.get("tried", 0), finding.details["tried"]
        )
    words = describe(alert.kind, details)
    if words is not None:
        alert.details = details | {"text": words.as_json()}
        alert.message = words.ja[:500]


def raise_alert(finding: Finding) -> Alert | None:
    """Store, audit and e-mail one alert, or add the finding's new events to the count
    of the alert of its group that is still going on. Returns the alert when new."""
    if not finding.events:
        return None
    first, last = finding.events[0], finding.events[-1]
    with transaction.atomic():
        going_on = (
            Alert.objects.select_for_update()
            .filter(group=finding.group, last_seen_at__gte=first.at - finding.window)
            .order_by("-pk")
            .first()
        )
        if going_on is not None:
            new = [e for e in finding.events if e.seq > going_on.last_seq]
            if new:
                going_on.count += len(new)
                going_on.last_seq, going_on.last_seen_at = new[-1].seq, new[-1].at
                _gather(going_on, finding)
                going_on.save(
                    update_fields=["count", "last_seq", "last_seen_at", "details", "message"]
                )
            return None
        if not finding.key or Alert.objects.filter(key=finding.key).exists():
            return None  # only refusals, their lock's alert long closed; or raised already
        # One municipality's people's events: its alert; else the service's.
        places = {e.municipality_id for e in finding.events}
        alert = Alert.objects.create(
            municipality_id=places.pop() if len(places) == 1 else None,
            kind=finding.kind,
            key=finding.key,
            group=finding.group,
            message=finding.message.ja[:500],
            details=finding.details | {"text": finding.message.as_json()},
            count=len(finding.events),
            last_seq=last.seq,
            last_seen_at=last.at,
        )
        record(
            "alert.raise",
            alert,
            changes={"kind": [None, alert.kind], "message": [None, alert.message]},
        )
        mail(alert)
    return alert


def raise_failure(kind: str, key: str, message, details: dict, municipality=None) -> Alert | None:
    """An alert that rests on no audit event (a backup that failed, a directory down):
    once per key, audited, mailed to the reviewers and the administrators (of
    `municipality`, else the service's)."""
    with transaction.atomic():
        if Alert.objects.filter(key=key).exists():
            return None
        alert = Alert.objects.create(
            municipality=municipality,
            kind=kind, key=key, group=kind, message=message.ja[:500],
            details=details | {"text": message.as_json()}, last_seen_at=timezone.now(),
        )  # fmt: skip
        record(
            "alert.raise", alert, changes={"kind": [None, kind], "message": [None, alert.message]}
        )
        mail(alert, roles=(Role.REVIEWER, Role.ADMIN))
    return alert


def recipients(alert: Alert, roles) -> list[User]:
    """Those of `roles` in the alert's municipality; for the service's alerts, the
    operators, and those of the only municipality of a service of one."""
    people = User.objects.filter(is_active=True).exclude(email="")
    if alert.municipality_id is not None:
        return list(people.filter(role__in=roles, municipality=alert.municipality_id))
    found = list(people.filter(role=Role.OPERATOR))
    municipalities = list(Municipality.objects.values_list("pk", flat=True)[:2])
    if len(municipalities) == 1:
        found += people.filter(role__in=roles, municipality=municipalities[0])
    return found


def mail(alert: Alert, roles=(Role.REVIEWER,)) -> None:
    """One e-mail per alert, through the outbox (sent once, retried until taken). The
    subject is fixed; what came from the log goes into the body only (mail-header-injection)."""
    for reviewer in recipients(alert, roles):
        with override(reviewer.language):
            body = _(
                "%(site)s でセキュリティアラートが発生しました。\n\n%(kind)s\n%(message)s\n\n確認: %(url)s/alerts/\n"
            ) % {
                "site": settings.SITE_NAME,
                "kind": alert.get_kind_display(),
                "message": alert.text,
                "url": settings.SITE_URL.rstrip("/"),
            }
            outbox.queue([reviewer.email], _("[Kakunin] セキュリティアラート"), body)


@transaction.atomic
def acknowledge(*, actor, alert: Alert) -> None:
    alert.acknowledged_by, alert.acknowledged_at = actor, timezone.now()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    record("alert.acknowledge", alert, actor=actor)
