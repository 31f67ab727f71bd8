"""Daily reminders: a deadline in 3 days, and an assessment past its deadline."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kakunin.assessments.actions import department_staff, reviewers, vendor_staff
from kakunin.assessments.models import Assessment, State
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Kind


def remind(today=None) -> int:
    """Tell the vendor and the department of deadlines in REMINDER_DAYS_BEFORE_DUE
    days, and everyone concerned of overdue assessments. Each reminder goes once."""
    today = today or timezone.localdate()
    sent = 0
    soon = today + timedelta(days=settings.REMINDER_DAYS_BEFORE_DUE)
    # Only what still waits for the vendor: a submitted assessment is the ward's move.
    waiting = Assessment.objects.filter(state__in=[State.DRAFT, State.RETURNED]).select_related(
        "system"
    )
    for assessment in waiting.filter(due_date=soon):
        people = vendor_staff(assessment.system) + department_staff(assessment.system)
        ctx = {
            "assessment": str(assessment),
            "due": str(assessment.due_date),
            "url": assessment.get_absolute_url(),
        }
        sent += len(
            notify(
                people,
                Kind.DUE_SOON,
                ctx,
                url=assessment.get_absolute_url(),
                key=f"due:{assessment.pk}:{assessment.due_date}",
            )
        )
    for assessment in waiting.filter(due_date__lt=today):
        people = vendor_staff(assessment.system) + department_staff(assessment.system) + reviewers()
        ctx = {
            "assessment": str(assessment),
            "due": str(assessment.due_date),
            "url": assessment.get_absolute_url(),
        }
        sent += len(
            notify(
                people,
                Kind.OVERDUE,
                ctx,
                url=assessment.get_absolute_url(),
                key=f"overdue:{assessment.pk}:{assessment.due_date}",
            )
        )
    return sent


@db_periodic_task(crontab(hour="8", minute="0"))
def daily_reminders():
    remind()
