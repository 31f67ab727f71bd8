"""The scan as a background job, and the scheduled re-scans (run_huey)."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kakunin.scans import actions
from kakunin.scans.models import Scan
from kakunin.tenants.active import activated, everywhere, for_each_municipality


def queue_scan(*, actor, system, authorisation=None) -> Scan:
    """Ask for a scan (actions.request_scan) and have the worker run it once the
    request is committed; a scan already under way is returned as it is."""
    with transaction.atomic():
        scan, new = actions.request_scan(actor=actor, system=system, authorisation=authorisation)
        if new:
            transaction.on_commit(lambda: run_scan(scan.pk))
    return scan


@db_task()
def run_scan(scan_id: int):
    with everywhere():  # found by its number, then run in its system's municipality
        scan = (
            Scan.objects.filter(pk=scan_id, state=Scan.State.QUEUED)
            .select_related("system__municipality", "authorisation")
            .first()
        )
    if scan is not None:  # already run (a retried job) or removed
        with activated(scan.system.municipality):
            actions.execute(scan)


@db_periodic_task(crontab(hour="2", minute="41"))
@for_each_municipality
def rescan():
    """Every night, the systems whose last scan is older than SCAN_INTERVAL_DAYS (30)."""
    actions.rescan_due()
