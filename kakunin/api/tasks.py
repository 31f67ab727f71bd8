from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kakunin.api import actions
from kakunin.tenants.active import service_job


@db_periodic_task(crontab(hour="3", minute="41"))
@service_job
def record_expired_tokens():
    """Each token's expiry, in the audit trail once."""
    actions.record_expired()
