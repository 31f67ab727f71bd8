"""What the ward should notice in the records, for one system or for hundreds at once
(the dashboard): reviews overdue, certificates expiring, ISMAP problems."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from kakunin.core.text import Text
from kakunin.records import ismap
from kakunin.records.kinds import record_problems
from kakunin.records.models import Kind, Record
from kakunin.systems.models import System


def problems_of(records) -> dict[int, list[Text]]:
    """Each record's problems: its own, and for a cloud service the ISMAP check."""
    today = timezone.localdate()
    records = list(records)
    clouds = ismap.check(r for r in records if r.kind == Kind.CLOUD and r.withdrawn_at is None)
    return {
        r.pk: [*clouds.get(r.pk, []), *record_problems(r, today)]
        for r in records
        if r.withdrawn_at is None
    }


@dataclass
class Overview:
    # A review before this day is overdue (today less REVIEW_INTERVAL_DAYS).
    limit: datetime.date = field(default_factory=lambda: review_limit())
    # The day the system went into operation (System.operation_start): the reviews are
    # owed from then on, the first one REVIEW_INTERVAL_DAYS after it. None: not yet.
    since: datetime.date | None = None
    last_admin_review: datetime.date | None = None
    last_log_review: datetime.date | None = None
    certificates_expiring: int = 0
    certificates_expired: int = 0
    ismap_problems: list[Text] = field(default_factory=list)

    @property
    def reviews_owed(self) -> bool:
        """In operation for longer than the interval between two reviews."""
        return self.since is not None and self.since < self.limit

    @property
    def admin_review_overdue(self) -> bool:
        return self.reviews_owed and (
            self.last_admin_review is None or self.last_admin_review < self.limit
        )

    @property
    def log_review_overdue(self) -> bool:
        return self.reviews_owed and (
            self.last_log_review is None or self.last_log_review < self.limit
        )


def review_limit() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=settings.REVIEW_INTERVAL_DAYS)


def overview(systems) -> dict[int, Overview]:
    """Per system, in five queries whatever the number of systems."""
    ids = [s.pk for s in systems]
    limit = review_limit()
    starts = System.objects.filter(pk__in=ids).operation_starts()
    out = {pk: Overview(limit=limit, since=starts.get(pk)) for pk in ids}
    current = Record.objects.current().filter(system__in=ids)
    latest = (
        current.filter(kind__in=[Kind.ADMIN_REVIEW, Kind.LOG_REVIEW])
        .values("system", "kind")
        .annotate(last=Max("date"))
    )
    for row in latest:
        name = "last_admin_review" if row["kind"] == Kind.ADMIN_REVIEW else "last_log_review"
        setattr(out[row["system"]], name, row["last"])
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=settings.CERTIFICATE_WARNING_DAYS)
    for system_id, until in _certificates(current):
        if until < today:
            out[system_id].certificates_expired += 1
        elif until <= soon:
            out[system_id].certificates_expiring += 1
    # The whole small JSON of each row decodes faster than SQL extracting three keys.
    clouds = current.filter(kind=Kind.CLOUD).values_list("pk", "system_id", "data")
    system_of, data = {}, {}
    for pk, system_id, values in clouds:
        system_of[pk], data[pk] = system_id, values
    for record_id, problems in ismap.check_data(data).items():
        out[system_of[record_id]].ismap_problems.extend(problems)
    return out


def _certificates(records) -> list[tuple[int, datetime.date]]:
    """(system, valid until) of each certificate held: a renewal entered as a new
    record replaces the older one of the same scheme and number."""
    newest: dict[tuple, datetime.date] = {}
    rows = records.filter(kind=Kind.CERTIFICATION, until__isnull=False).values_list(
        "system", "until", "data"
    )
    for system_id, until, data in rows:
        key = (system_id, data.get("scheme"), data.get("number"))
        newest[key] = max(until, newest.get(key, until))
    return [(key[0], until) for key, until in newest.items()]
