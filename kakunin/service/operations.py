"""What the service's operator sees of each municipality: counts and sizes, its state,
its last activity. Never a name of a system or a person, an answer, a file, a record."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Sum

from kakunin.accounts.models import Role, User
from kakunin.assessments.models import Answer, Assessment
from kakunin.audit.models import Event
from kakunin.evidence.models import Evidence
from kakunin.records.models import RecordFile
from kakunin.systems.models import Membership, System
from kakunin.tenants.active import everywhere
from kakunin.tenants.models import Municipality


@dataclass
class Health:
    municipality: Municipality
    systems: int
    assessments: int
    answers: int
    staff: int
    vendor_people: int
    evidence_bytes: int
    events: int
    last_activity: datetime | None


def _by_municipality(queryset, path: str, **aggregates) -> dict:
    rows = queryset.values(path).annotate(**aggregates)
    return {row.pop(path): row for row in rows}


def health() -> list[Health]:
    """Every municipality's figures, in a fixed number of queries (grouped)."""
    with everywhere():
        municipalities = list(Municipality.objects.order_by("code"))
        systems = _by_municipality(System.objects.all(), "municipality", n=Count("pk"))
        assessments = _by_municipality(
            Assessment.objects.all(), "system__municipality", n=Count("pk")
        )
        answers = _by_municipality(
            Answer.objects.all(), "assessment__system__municipality", n=Count("pk")
        )
        staff = _by_municipality(
            User.objects.filter(is_active=True).exclude(municipality=None),
            "municipality",
            n=Count("pk"),
        )
        vendors = _by_municipality(
            Membership.objects.filter(user__is_active=True, user__role=Role.VENDOR),
            "system__municipality",
            n=Count("user", distinct=True),
        )
        answer_files = _by_municipality(
            Evidence.objects.exclude(answer=None),
            "answer__assessment__system__municipality",
            n=Sum("size"),
        )
        record_files = _by_municipality(
            RecordFile.objects.all(), "record__system__municipality", n=Sum("evidence__size")
        )
        events = _by_municipality(
            Event.objects.all(), "municipality", n=Count("pk"), last=Max("at")
        )

    def n(table: dict, pk: int) -> int:
        return int((table.get(pk) or {}).get("n") or 0)

    return [
        Health(
            municipality=m,
            systems=n(systems, m.pk),
            assessments=n(assessments, m.pk),
            answers=n(answers, m.pk),
            staff=n(staff, m.pk),
            vendor_people=n(vendors, m.pk),
            evidence_bytes=n(answer_files, m.pk) + n(record_files, m.pk),
            events=n(events, m.pk),
            last_activity=(events.get(m.pk) or {}).get("last"),
        )
        for m in municipalities
    ]
