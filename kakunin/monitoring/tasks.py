"""Periodic jobs, run by the huey worker (`manage.py run_huey`, started by `make run`)."""

import threading
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from kakunin.accounts.models import UserSession
from kakunin.monitoring import actions, detection
from kakunin.monitoring.models import Heartbeat
from kakunin.tenants.active import service_job

SCAN = "auth-log-scan"
WORKER = "worker"
# Written by kakunin.backups, read by /healthz.
BACKUP = "backup"
BACKUP_VERIFY = "backup-verify"


def monitor_auth_log(now=None) -> int:
    """Scan the auth events since the last scan (with one window of overlap, so a
    spike across two scans is still seen). Returns how many alerts were raised."""
    now = now or timezone.now()
    window = timedelta(minutes=settings.ALERT_WINDOW_MINUTES)
    last = Heartbeat.objects.filter(name=SCAN).first()
    since = (last.at if last else now - timedelta(days=1)) - window
    raised = [a for f in detection.scan(since, now) if (a := actions.raise_alert(f))]
    Heartbeat.objects.update_or_create(name=SCAN, defaults={"at": now})
    return len(raised)


@db_periodic_task(crontab(minute="*/5"))
@service_job
def scan_auth_log():
    monitor_auth_log()


@db_periodic_task(crontab(minute="*"))
@service_job
def heartbeat():
    """Proof of life for /healthz: the worker runs its periodic jobs."""
    Heartbeat.objects.update_or_create(name=WORKER, defaults={"at": timezone.now()})


_first = threading.Lock()
_first_done = False


@on_startup()
def first_readings() -> None:
    """When the worker starts: its proof of life and a first look at the auth log now,
    not at the next minute or fifth minute, so that /healthz and the self-assessment of
    a Kakunin just installed read them (issue 23.16). Once per process (huey calls this
    in each worker thread)."""
    global _first_done
    with _first:
        if _first_done:
            return
        _first_done = True
    try:
        heartbeat.call_local()
        scan_auth_log.call_local()
    finally:
        close_old_connections()


@db_periodic_task(crontab(hour="3", minute="17"))
@service_job
def clear_expired_sessions():
    """Django's expired sessions, and the session list's rows of three months ago."""
    call_command("clearsessions")
    UserSession.objects.filter(last_seen_at__lt=timezone.now() - timedelta(days=90)).delete()
