"""Locking out password guessing (account-lockout).

- An account is locked after LOCKOUT_FAILURES (10) failed logins, or fewer where its
  municipality says so, wherever they came from, for LOCKOUT_MINUTES (30). django-axes counts them by account only,
  so that a person mistyping behind the ward's proxy locks nobody else, and a
  successful login clears its own account's failures only (with the address as
  a lockout parameter, one success from an address cleared every account's
  failures from it: 9 guesses, a login to one's own account, 9 more...).
- An address is throttled only when it fails on LOCKOUT_ADDRESS_ACCOUNTS (30)
  different accounts within LOCKOUT_MINUTES: password spraying, not a typo.
- Wrong TOTP codes count as failures of the account (see accounts.forms).

A person may log in with the user ID or the e-mail address; both lock the same
account. An identifier that matches no account is counted as typed, so that an
unknown name locks exactly like a known one (nothing to enumerate).
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from kakunin.accounts.models import User


def failure_limit(request, credentials) -> int:
    """The failed logins that lock this account (django-axes' AXES_FAILURE_LIMIT): its
    municipality's own policy for the ward's staff (never more than the service's),
    the service's LOCKOUT_FAILURES for everyone else."""
    return limit_for(login_identifier(request, credentials))


def limit_for(username: str) -> int:
    user = (
        User.objects.filter(username=username, municipality__isnull=False)
        .select_related("municipality")
        .first()
    )
    return user.municipality.failures_before_lockout if user else settings.LOCKOUT_FAILURES


def login_identifier(request, credentials) -> str:
    typed = ""
    if credentials:
        typed = credentials.get("username") or credentials.get("email") or ""
    if not typed and request is not None:
        typed = request.POST.get("login", "")
    typed = str(typed).strip()[:254]
    user = User.objects.filter(Q(username__iexact=typed) | Q(email__iexact=typed)).first()
    return user.username.lower() if user else typed.lower()


def _recent():
    return AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    )


def accounts_failed_from(address: str | None) -> int:
    """How many different accounts failed from this address within the lockout period."""
    if not address:
        return 0
    return _recent().filter(ip_address=address).values("username").distinct().count()


def address_locked(address: str | None) -> bool:
    return accounts_failed_from(address) >= settings.LOCKOUT_ADDRESS_ACCOUNTS


def account_locked(request, login: str) -> bool:
    """Whether the account is locked now (for the second factor's form)."""
    return AxesProxyHandler.is_locked(request, {"username": login})


def _fewest_in_any_municipality() -> int:
    from kakunin.tenants.models import Municipality

    fewest = Municipality.objects.filter(lockout_failures__gt=0).aggregate(
        m=Min("lockout_failures")
    )
    return fewest["m"] or settings.LOCKOUT_FAILURES


def locked_accounts() -> list[dict]:
    """{username, failures, addresses, last} for each account locked now."""
    rows = (
        _recent()
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=min(settings.LOCKOUT_FAILURES, _fewest_in_any_municipality()))
        .order_by("-last")
    )
    rows = [row for row in rows if row["failures"] >= limit_for(row["username"])]
    return [
        row
        | {
            "addresses": sorted(
                set(_recent().filter(username=row["username"]).values_list("ip_address", flat=True))
                - {None}
            )
        }
        for row in rows
    ]


def locked_addresses() -> list[dict]:
    """{ip_address, accounts, last} for each address throttled now (a spray)."""
    return list(
        _recent()
        .exclude(ip_address=None)
        .values("ip_address")
        .annotate(accounts=Count("username", distinct=True), last=Max("attempt_time"))
        .filter(accounts__gte=settings.LOCKOUT_ADDRESS_ACCOUNTS)
        .order_by("-last")
    )
