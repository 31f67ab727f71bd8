"""Kakunin's own system checks.

Private files (every start): what only Kakunin's user may open.

`manage.py check --deploy`: what every worker must share.

Rate limits (the API's, allauth's), the TOTP codes already used and the periodic jobs'
claims live in the cache. A cache inside each process multiplies them by the number of
processes: with gunicorn's 3 workers one TOTP code opened 3 of 5 logins, and 90 of 100
API requests passed a limit of 30 a minute. A deployment serves from several processes
(the web workers and the job worker at least), so it needs one cache they all share:
Redis, or Django's database cache on a single machine."""

import os
import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

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


def private_paths() -> list[Path]:
    """What only Kakunin's own user may open: VAR_DIR, the SQLite databases (the data,
    the job queue), the evidence, the audit archive and the backups wherever they are,
    and every file a secret was read from (the keys `make run` made among them). A file
    inside a private VAR_DIR is private too; these are checked also in case the folder
    is opened later."""
    paths: list[Path] = [Path(settings.VAR_DIR)]
    if huey := settings.HUEY.get("filename"):
        paths.append(Path(huey))
    database = settings.DATABASES["default"]
    if "sqlite" in database["ENGINE"] and str(database["NAME"]) not in ("", ":memory:"):
        paths.append(Path(database["NAME"]))
    paths += [
        Path(settings.EVIDENCE_DIR),
        Path(settings.AUDIT_ARCHIVE_DIR),
        Path(settings.BACKUP_DIR),
        *settings.SECRET_FILES,
    ]
    return [p for p in dict.fromkeys(paths) if p.exists()]


def open_to_others() -> list[tuple[Path, int]]:
    """The private paths that other users can read, write or enter (group permissions are
    left to the deployment: /etc/kakunin is root:kakunin 640)."""
    found = []
    for path in private_paths():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o007:
            found.append((path, mode))
    return found


def describe_open(found) -> str:
    return "; ".join(f"{path} ({mode:o})" for path, mode in found)


FIX_HINT = (
    "Make them private to Kakunin's user: chmod 700 on the folders, chmod 600 on the files "
    "(`chmod -R go-rwx PATH`). `make run` does this for VAR_DIR; a deployment creates them "
    "so (README: Deployment on Debian)."
)


@register(Tags.security)
def check_private_files(app_configs=None, **kwargs):
    """Every start: the nobody user read 83 session keys and the password hashes from a
    world-readable var/kakunin.sqlite3 (issue 23.14)."""
    found = open_to_others()
    if not found:
        return []
    return [
        Error(
            f"Other users can open Kakunin's private files: {describe_open(found)}.",
            hint=FIX_HINT,
            id="kakunin.E003",
        )
    ]


def refuse_open_files() -> None:
    """For gunicorn, which runs no system checks: the same check, before serving."""
    if found := open_to_others():
        raise ImproperlyConfigured(
            f"Other users can open Kakunin's private files: {describe_open(found)}. {FIX_HINT}"
        )
