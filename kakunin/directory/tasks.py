"""The nightly check of every municipality's directory accounts (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kakunin.directory import leavers
from kakunin.tenants.active import activated, everywhere


def check_all(code: str = "") -> list[leavers.Checked]:
    with everywhere():
        directories = list(leavers.in_use())
    results = []
    for directory in directories:
        if code and directory.municipality.code != code:
            continue
        with activated(directory.municipality):
            results.append(leavers.check(directory))
    return results


@db_periodic_task(crontab(hour="2", minute="41"))
def check_directories():
    check_all()
