"""Daily reminders: a deadline in 3 days, and an assessment past its deadline."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kakunin.assessments.models import Assessment
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind
from kakunin.tenants.active import current, for_each_municipality


def remind(today=None) -> int:
    """Tell the vendor and the department of deadlines in the municipality's reminder
    days (REMINDER_DAYS_BEFORE_DUE unless it set its own), and everyone concerned of
    overdue assessments. Each reminder goes once."""
    today = today or timezone.localdate()
    sent = 0
    municipality = current()
    days = municipality.days_before_due if municipality else settings.REMINDER_DAYS_BEFORE_DUE
    soon = today + timedelta(days=days)
    # Only what still waits for the vendor: a submitted assessment is the ward's move.
    waiting = Assessment.objects.waiting_for_vendor().select_related("system")
    for assessment in waiting.filter(due_date=soon):
        sent += _remind(assessment, Kind.DUE_SOON, "due")
    for assessment in waiting.filter(due_date__lt=today):
        sent += _remind(assessment, Kind.OVERDUE, "overdue", assessment.system.reviewers())
    return sent


def _remind(assessment, kind: str, key: str, others=()) -> int:
    """The vendor and the department (and `others`) told once about this deadline."""
    system = assessment.system
    people = [*system.vendor_members(), *system.department_staff(), *others]
    url = assessment.get_absolute_url()
    ctx = {"assessment": assessment, "due": str(assessment.due_date), "url": url}
    return len(
        notify(people, kind, ctx, url=url, key=f"{key}:{assessment.pk}:{assessment.due_date}")
    )


@db_periodic_task(crontab(hour="8", minute="0"))
@for_each_municipality
def daily_reminders():
    remind()
