"""`manage.py check --deploy`: what every worker must share.

Rate limits (the API's, allauth's), the TOTP codes already used and the periodic jobs'
claims live in the cache. A cache inside each process multiplies them by the number of
processes: with gunicorn's 3 workers one TOTP code opened 3 of 5 logins, and 90 of 100
API requests passed a limit of 30 a minute. A deployment serves from several processes
(the web workers and the job worker at least), so it needs one cache they all share:
Redis, or Django's database cache on a single machine."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, register

PER_PROCESS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def workers() -> int:
    """The web workers gunicorn starts: WEB_CONCURRENCY, which gunicorn reads (2 when
    unset, as there is always the job worker besides the web)."""
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "2"))
    except ValueError:
        return 2


def shared_cache() -> bool:
    return settings.CACHES["default"]["BACKEND"] not in PER_PROCESS


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    if settings.DEBUG or shared_cache() or workers() <= 1:
        return []
    return [
        Error(
            "The cache is inside each process (CACHE_URL is unset or per-process): rate "
            "limits and used TOTP codes are counted once per worker.",
            hint="Set CACHE_URL to one cache all processes share: redis://127.0.0.1:6379/1 "
            "(README: Deployment on Debian), or dbcache://kakunin_cache on one machine after "
            "`manage.py createcachetable`. Only WEB_CONCURRENCY=1 with no job worker may do without.",
            id="kakunin.E002",
        )
    ]
