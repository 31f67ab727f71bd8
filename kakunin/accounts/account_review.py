"""The periodic account review (unused-id-removal, access-review, admin-account-review): which accounts need a look.

- accounts unused for N days (never used, counted from issue);
- accounts whose organisation or role changed since the last completed review;
- demo, test and generic accounts, which have no place in production.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kakunin.accounts import external
from kakunin.accounts.models import User
from kakunin.audit.models import Event

GENERIC_ID = re.compile(
    r"^(admin|administrator|root|test|tester|guest|demo|user|sample|shared|common|kyoyu|temp|tmp)[-_.]?\d*$"
    r"|^(test|demo)[-_.]",
    re.IGNORECASE,
)


def is_generic(user: User) -> bool:
    return bool(GENERIC_ID.match(user.username))


@dataclass
class Finding:
    user: User
    reasons: list[str] = field(default_factory=list)
    # Where the account is kept: Kakunin's own, or a municipality's directory and its state.
    kept: str = ""


def last_completed():
    event = Event.objects.filter(action="account_review.complete").order_by("-seq").first()
    return event.at if event else None


def review(people, days: int | None = None) -> list[Finding]:
    """The findings on `people` (a municipality's, User.objects.managed_in)."""
    days = days or settings.ACCOUNT_REVIEW_UNUSED_DAYS
    now = timezone.now()
    cutoff = now - timedelta(days=days)
    since = last_completed() or cutoff
    changed = _org_or_role_changes(since)
    findings = []
    users = list(people.filter(is_active=True).select_related("organisation"))
    states = external.states_of(users)
    for user in users:
        kept, directory_finding = states.get(user.pk, (_("Kakunin のアカウント"), ""))
        reasons = [directory_finding] if directory_finding else []
        last_used = user.last_login or user.date_joined
        if last_used < cutoff:
            when = user.last_login.date() if user.last_login else _("未使用")
            reasons.append(
                _("%(days)d日以上使われていません（最終ログイン: %(when)s）")
                % {"days": days, "when": when}
            )
        if user.pk in changed:
            reasons.append(
                _("所属またはロールが変わりました（%(what)s）") % {"what": changed[user.pk]}
            )
        if user.is_demo:
            reasons.append(_("デモ用アカウントです"))
        elif is_generic(user):
            reasons.append(_("テスト用または汎用のIDです（1人1IDの原則）"))
        if reasons:
            findings.append(Finding(user, reasons, kept))
    return findings


def _org_or_role_changes(since) -> dict[int, str]:
    out: dict[int, str] = {}
    events = Event.objects.filter(
        action__in=["user.update", "directory.move"], at__gte=since
    ).order_by("seq")
    for event in events:
        parts = [
            f"{k}: {v[0]} → {v[1]}"
            for k, v in event.changes.items()
            if k in ("role", "organisation")
        ]
        if parts and event.object_id:
            out[int(event.object_id)] = "; ".join(parts)
    return out
