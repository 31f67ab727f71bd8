"""Reading the authentication events for what a person should look at (item 71).

- a failure spike: ALERT_FAILURE_SPIKE failed logins within ALERT_WINDOW_MINUTES;
- a password-list attack: one address failing on ALERT_ACCOUNTS_PER_ADDRESS or
  more different accounts within the window;
- a lockout;
- an administrator logging in from an address not seen for them before.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from kakunin.accounts.models import Role
from kakunin.audit.models import Event
from kakunin.monitoring.models import Alert


@dataclass
class Finding:
    kind: str
    key: str
    message: str
    details: dict


def scan(since, until) -> list[Finding]:
    events = list(
        Event.objects.filter(at__gt=since, at__lte=until, action__startswith="auth.")
        .select_related("actor")
        .order_by("seq")
    )
    return [
        *failure_spikes(events),
        *password_sprays(events),
        *lockouts(events),
        *admin_new_addresses(events),
    ]


def _windows(failures: list[Event]):
    """Each failure with the failures in the window that ends at it."""
    window = timedelta(minutes=settings.ALERT_WINDOW_MINUTES)
    start = 0
    for end, event in enumerate(failures):
        while failures[start].at < event.at - window:
            start += 1
        yield event, failures[start : end + 1]


def failure_spikes(events: list[Event]) -> list[Finding]:
    failures = [e for e in events if e.action == "auth.login_failed"]
    for event, window in _windows(failures):
        if len(window) >= settings.ALERT_FAILURE_SPIKE:
            # One alert per spike: keyed on the window's first failure.
            first = window[0]
            message = _("%(n)d分間にログイン失敗が%(count)d件ありました。") % {
                "n": settings.ALERT_WINDOW_MINUTES,
                "count": len(window),
            }
            return [
                Finding(
                    Alert.Kind.FAILURE_SPIKE,
                    f"spike:{first.seq}",
                    message,
                    {"from_event": first.seq, "to_event": event.seq},
                )
            ]
    return []


def password_sprays(events: list[Event]) -> list[Finding]:
    by_address: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.action == "auth.login_failed" and e.ip:
            by_address[e.ip].append(e)
    findings = []
    for address, failures in by_address.items():
        for event, window in _windows(failures):
            logins = {str(e.changes.get("login", "")).lower() for e in window}
            if len(logins) >= settings.ALERT_ACCOUNTS_PER_ADDRESS:
                message = _(
                    "接続元 %(ip)s から%(n)d件のアカウントへのログイン失敗がありました（パスワードリスト攻撃の疑い）。"
                ) % {
                    "ip": address,
                    "n": len(logins),
                }
                findings.append(
                    Finding(
                        Alert.Kind.PASSWORD_SPRAY,
                        f"spray:{address}:{window[0].seq}",
                        message,
                        {
                            "address": address,
                            "accounts": sorted(logins)[:50],
                            "to_event": event.seq,
                        },
                    )
                )
                break
    return findings


def lockouts(events: list[Event]) -> list[Finding]:
    return [
        Finding(
            Alert.Kind.LOCKOUT,
            f"lockout:{e.seq}",
            _("アカウント「%(who)s」がロックされました（接続元 %(ip)s）。")
            % {
                "who": e.object_label or e.changes.get("login"),
                "ip": e.changes.get("address") or e.ip,
            },
            {"event": e.seq},
        )
        for e in events
        if e.action == "auth.lockout"
    ]


def admin_new_addresses(events: list[Event]) -> list[Finding]:
    findings = []
    for e in events:
        if e.action != "auth.login" or not e.actor or e.actor.role != Role.ADMIN or not e.ip:
            continue
        seen = Event.objects.filter(
            action="auth.login", actor=e.actor, ip=e.ip, seq__lt=e.seq
        ).exists()
        if not seen:
            message = _("管理者「%(who)s」が新しい接続元 %(ip)s からログインしました。") % {
                "who": e.actor.audit_label,
                "ip": e.ip,
            }
            findings.append(
                Finding(
                    Alert.Kind.ADMIN_NEW_ADDRESS, f"admin-ip:{e.seq}", message, {"event": e.seq}
                )
            )
    return findings
