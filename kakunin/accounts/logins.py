"""Keeping the list of a person's logins (accounts.UserSession) in step with their
sessions: started at login, seen while used, ended at logout.

The row's id is kept in the session; the session key may change under it (Django
rotates it when the password changes), so the row follows the key.
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from kakunin.accounts.models import UserSession
from kakunin.audit.middleware import client_ip

ROW = "kakunin.login"
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at and the session are written at most this often
TOUCHED = "kakunin.touched"  # when the session was last saved for the idle timeout


def store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def started(request, user) -> UserSession:
    if not request.session.session_key:
        request.session.save()
    now = timezone.now()
    row = UserSession.objects.create(
        user=user,
        session_key=request.session.session_key,
        created_at=now,
        last_seen_at=now,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )
    request.session[ROW] = row.pk
    return row


def current(request) -> UserSession | None:
    pk = request.session.get(ROW)
    if not pk:
        return None
    # [:1] rather than first(): no ORDER BY to build on every request.
    rows = list(UserSession.objects.filter(pk=pk, user=request.user)[:1])
    return rows[0] if rows else None


def expired(request) -> str:
    """Why this session may not go on ("" if it may): past the absolute lifetime, or
    ended from elsewhere (the person's session list, a disabled account)."""
    row = current(request)
    if row is None:
        return UserSession.End.ENDED if request.session.get(ROW) else ""
    if row.ended_at is not None:
        return row.ended_reason or UserSession.End.ENDED
    now = timezone.now()
    if now - row.created_at > settings.SESSION_ABSOLUTE_LIFETIME:
        return UserSession.End.LIFETIME
    if now - row.last_seen_at >= TOUCH_EVERY or row.session_key != request.session.session_key:
        UserSession.objects.filter(pk=row.pk).update(
            last_seen_at=now, session_key=request.session.session_key or row.session_key
        )
    return ""


def keep_alive(request) -> None:
    """The idle timeout (SESSION_COOKIE_AGE) counts from the last request: the
    session is saved, and its expiry moved on, at most once every TOUCH_EVERY, not
    on every request (a write per page view serialised concurrent readers on SQLite).
    The timeout is then 60 minutes less at most one."""
    now = int(timezone.now().timestamp())
    if now - request.session.get(TOUCHED, 0) >= TOUCH_EVERY.total_seconds():
        request.session[TOUCHED] = now


def ended(request, reason: str) -> None:
    pk = request.session.get(ROW)
    if pk:
        UserSession.objects.filter(pk=pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_reason=reason
        )


def end(rows, reason: str) -> int:
    """End these sessions: removed from the session store, so the next request of each
    is logged out. Returns how many were still going."""
    rows = list(rows.filter(ended_at__isnull=True))
    for row in rows:
        store()(session_key=row.session_key).delete()
    UserSession.objects.filter(pk__in=[r.pk for r in rows]).update(
        ended_at=timezone.now(), ended_reason=reason
    )
    return len(rows)
