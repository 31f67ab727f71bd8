"""The outbox's sweep, run by the huey worker (`manage.py run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kakunin.notifications import outbox
from kakunin.tenants.active import service_job


@db_periodic_task(crontab(minute="*"))
@service_job
def send_waiting_mail():
    """What could not be sent at once (the mail server was down, the process died)."""
    outbox.send_waiting()
