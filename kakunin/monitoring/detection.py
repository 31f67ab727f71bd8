"""Reading the authentication events for what a person should look at (auth-log-monitoring).

- a failure spike: ALERT_FAILURE_SPIKE failed logins within ALERT_WINDOW_MINUTES;
- a password-list attack: one address failing on ALERT_ACCOUNTS_PER_ADDRESS or
  more different accounts within the window;
- an account locked, and the attempts refused while it is;
- an address throttled for spraying, and the attempts refused from it;
- an administrator logging in from an address not seen for them before.

Each finding belongs to a group (the account, the address, "spike"): a finding
of a group whose alert is still going on (its last event within the group's
window) adds its events to that alert's count instead of raising another. One
hydra run is one lockout alert with the count of its attempts, not a thousand.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings

from kakunin.accounts.models import Role
from kakunin.audit.models import Event
from kakunin.core.text import Text, say
from kakunin.monitoring.models import Alert

FAILED = ("auth.login_failed", "auth.mfa_failed", "auth.login_refused")


@dataclass
class Finding:
    kind: str
    key: str  # the event that starts it: the same start never raises twice
    group: str  # what it is about: the account, the address, the whole site
    message: Text  # translated when shown
    details: dict
    events: list[Event] = field(default_factory=list)  # what it rests on, oldest first

    @property
    def window(self) -> timedelta:
        """How long after its last event a finding of the group still continues it."""
        if self.kind in (Alert.Kind.LOCKOUT, Alert.Kind.ADDRESS_LOCKOUT):
            return settings.AXES_COOLOFF_TIME
        return timedelta(minutes=settings.ALERT_WINDOW_MINUTES)


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
        *address_lockouts(events),
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
    failures = [e for e in events if e.action in FAILED]
    for _event, window in _windows(failures):
        if len(window) >= settings.ALERT_FAILURE_SPIKE:
            first = window[0]
            later = [e for e in failures if e.seq > window[-1].seq]
            message = say(
                "%(n)d分間にログイン失敗が%(count)d件ありました。",
                n=settings.ALERT_WINDOW_MINUTES,
                count=len(window),
            )
            return [
                Finding(
                    Alert.Kind.FAILURE_SPIKE,
                    f"spike:{first.seq}",
                    "spike",
                    message,
                    {"from_event": first.seq},
                    window + later,
                )
            ]
    return []


def describe(kind: str, details: dict) -> Text | None:
    """The alert's words from what it has gathered so far (an alert that goes on grows:
    its words are made again from its details, never left counting its first minutes)."""
    accounts = details.get("accounts") or []
    if kind == Alert.Kind.PASSWORD_SPRAY:
        return say(
            "接続元 %(ip)s から%(n)d件のアカウントへのログイン失敗がありました（パスワードリスト攻撃の疑い）。",
            ip=details["address"],
            n=details.get("tried", len(accounts)),
        )
    if kind == Alert.Kind.LOCKOUT:
        return say(
            "接続元 %(ip)s からの失敗で、アカウント %(n)d 件がロックされました: %(who)s",
            ip=details["address"],
            n=len(accounts),
            who=", ".join(accounts),
        )
    return None


def password_sprays(events: list[Event]) -> list[Finding]:
    by_address: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.action in FAILED and e.ip:
            by_address[e.ip].append(e)
    findings = []
    for address, failures in by_address.items():
        for _event, window in _windows(failures):
            logins = {str(e.changes.get("login", "")).lower() for e in window}
            if len(logins) >= settings.ALERT_ACCOUNTS_PER_ADDRESS:
                later = [e for e in failures if e.seq > window[-1].seq]
                # Every name tried from the address, not only those of the first window.
                tried = {str(e.changes.get("login", "")).lower() for e in window + later}
                details = {"address": address, "accounts": sorted(tried)[:50], "tried": len(tried)}
                findings.append(
                    Finding(
                        Alert.Kind.PASSWORD_SPRAY,
                        f"spray:{address}:{window[0].seq}",
                        f"spray:{address}",
                        describe(Alert.Kind.PASSWORD_SPRAY, details) or Text(),
                        details,
                        window + later,
                    )
                )
                break
    return findings


def _account_of(event: Event) -> str:
    return event.object_id or str(event.changes.get("login", "")).lower()


def lockouts(events: list[Event]) -> list[Finding]:
    """The accounts locked by failures from one address, as one finding (a guessing run
    over many accounts is one alert, not one a name), with the attempts refused on them
    after. A name that is no account is locked too, but is no account to tell about:
    its failures count in the address's password-list finding."""
    findings = []
    refused: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.action == "auth.login_refused" and e.changes.get("reason") == "account":
            refused[_account_of(e)].append(e)
    locks: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.action == "auth.lockout" and e.object_id:
            locks[str(e.changes.get("address") or e.ip)].append(e)
    for address, found in locks.items():
        later = [
            r for lock in found for r in refused.pop(_account_of(lock), []) if r.seq > lock.seq
        ]
        accounts = list(dict.fromkeys(e.object_label or str(e.changes.get("login")) for e in found))
        details = {"address": address, "accounts": accounts}
        findings.append(
            Finding(
                Alert.Kind.LOCKOUT,
                f"lockout:{found[0].seq}",
                f"lockout:{address}",
                describe(Alert.Kind.LOCKOUT, details) or Text(),
                details,
                sorted(found + later, key=lambda e: e.seq),
            )
        )
    # Refusals of a lock that began before this scan: they count on its alert.
    for later in refused.values():
        address = str(later[0].ip)
        findings.append(Finding(Alert.Kind.LOCKOUT, "", f"lockout:{address}", Text(), {}, later))
    return findings


def address_lockouts(events: list[Event]) -> list[Finding]:
    findings = []
    refused: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.action == "auth.login_refused" and e.changes.get("reason") == "address" and e.ip:
            refused[e.ip].append(e)
    for e in events:
        if e.action == "auth.address_lockout":
            address = str(e.changes.get("address") or e.ip)
            message = say(
                "接続元 %(ip)s から多数のアカウントへのログイン失敗があったため、この接続元からのログインを制限しました。",
                ip=address,
            )
            findings.append(
                Finding(
                    Alert.Kind.ADDRESS_LOCKOUT,
                    f"address-lockout:{e.seq}",
                    f"address-lockout:{address}",
                    message,
                    {"address": address, "event": e.seq},
                    [e] + [r for r in refused.pop(address, []) if r.seq > e.seq],
                )
            )
    for address, later in refused.items():
        findings.append(
            Finding(Alert.Kind.ADDRESS_LOCKOUT, "", f"address-lockout:{address}", Text(), {}, later)
        )
    return findings


def admin_new_addresses(events: list[Event]) -> list[Finding]:
    findings = []
    for e in events:
        if e.action != "auth.login" or not e.actor or e.actor.role != Role.ADMIN or not e.ip:
            continue
        seen = Event.objects.filter(
            action="auth.login", actor=e.actor, ip=e.ip, seq__lt=e.seq
        ).exists()
        if not seen:
            message = say(
                "管理者「%(who)s」が新しい接続元 %(ip)s からログインしました。",
                who=e.actor.audit_label,
                ip=e.ip,
            )
            findings.append(
                Finding(
                    Alert.Kind.ADMIN_NEW_ADDRESS,
                    f"admin-ip:{e.seq}",
                    f"admin-ip:{e.seq}",
                    message,
                    {"event": e.seq},
                    [e],
                )
            )
    return findings
