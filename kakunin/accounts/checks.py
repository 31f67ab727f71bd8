"""`manage.py check --deploy`: no demo or test accounts in production (test-account-removal)."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError

from kakunin.accounts.account_review import is_generic
from kakunin.accounts.models import User


@register(Tags.security, deploy=True)
def check_demo_accounts(app_configs=None, **kwargs):
    if settings.DEBUG:
        return []
    try:
        active = list(User.objects.filter(is_active=True).only("username", "is_demo"))
    except DatabaseError:
        return []  # no database yet: nothing to check
    problems: list[CheckMessage] = []
    demo = sorted(u.username for u in active if u.is_demo)
    if demo:
        problems.append(
            Error(
                f"Demo accounts are active: {', '.join(demo)}.",
                hint="Disable them (account review, or manage.py account_review --disable) before going live.",
                id="kakunin.E001",
            )
        )
    generic = sorted(u.username for u in active if not u.is_demo and is_generic(u))
    if generic:
        problems.append(
            Warning(
                f"Test or generic accounts are active: {', '.join(generic)}.",
                hint="Issue each person their own ID, then disable these (one person, one ID).",
                id="kakunin.W001",
            )
        )
    return problems
