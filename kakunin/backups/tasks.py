"""Nightly: one backup generation, then its verification (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kakunin.backups.actions import run_backup, run_verify
from kakunin.tenants.active import service_job


@db_periodic_task(crontab(hour="2", minute="30"))
@service_job
def nightly_backup():
    run_verify(run_backup())
