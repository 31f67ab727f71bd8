"""The self-assessment from the administrators' page, in the worker: the scan of
SITE_URL takes up to SCAN_BUDGET seconds, longer than a page should wait."""

import logging

from huey.contrib.djhuey import db_task

from kakunin.accounts.models import User
from kakunin.assessments.models import Assessment
from kakunin.selfcheck import actions
from kakunin.tenants.active import activated, everywhere

log = logging.getLogger(__name__)


@db_task()
def answer_self_assessment(actor_pk: int, assessment_pk: int) -> None:
    actor = User.objects.get(pk=actor_pk)
    with everywhere():  # found by its number, then answered in its municipality
        assessment = Assessment.objects.select_related("system__municipality").get(pk=assessment_pk)
    try:
        with activated(assessment.system.municipality):
            actions.answer(actor=actor, assessment=assessment)
    except Exception:
        # Nothing was saved (the answers go in one transaction); the page shows no new run.
        log.exception("self-assessment of assessment %s failed", assessment_pk)
        raise
