"""The scan results as the rest of Kakunin reads them: beside each answer, and
in the reviewer's queue where an answer and the scan disagree."""

from dataclasses import dataclass, field

from django.db.models import Max

from kakunin.assessments.models import Answer, Status
from kakunin.catalog.models import Template
from kakunin.scans.models import Outcome, Scan, ScanResult
from kakunin.scans.policy import overall


@dataclass
class ItemScan:
    """The automated check of one item: one verdict over the system's targets."""

    scan: Scan
    verdict: str
    results: list[ScanResult] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Outcome(self.verdict).label)

    @property
    def at(self):
        return self.scan.finished_at


def item_names() -> dict[int, str]:
    """Item number -> its 中項目, from the checklist loaded (empty if none is)."""
    template = Template.current()
    return dict(template.items.values_list("number", "subsection")) if template else {}


def latest_scan(system, before=None) -> Scan | None:
    """The newest finished scan of the system (before a date, for an approved assessment)."""
    scans = system.scans.filter(state=Scan.State.DONE)
    if before is not None:
        scans = scans.filter(finished_at__lte=before)
    return scans.order_by("-pk").first()


def by_item(system, before=None) -> dict[str, ItemScan]:
    """Item key -> the latest scan's verdict on it (two queries)."""
    scan = latest_scan(system, before)
    if scan is None:
        return {}
    items: dict[str, ItemScan] = {}
    for result in scan.results.all():
        items.setdefault(result.item_key, ItemScan(scan, "")).results.append(result)
    for item in items.values():
        item.verdict = str(overall(Outcome(r.verdict) for r in item.results))
    return items


def conflicts(assessments) -> dict[int, list[int]]:
    """Assessment pk -> the item numbers answered 対応済 that the latest scan of
    its system finds 不適合: what the reviewer should look at first."""
    assessments = list(assessments)
    systems = {a.system_id for a in assessments}
    latest = (
        Scan.objects.filter(system_id__in=systems, state=Scan.State.DONE)
        .values("system_id")
        .annotate(last=Max("pk"))
    )
    failing: dict[int, set[str]] = {}
    for system_id, key in ScanResult.objects.filter(
        scan_id__in=[row["last"] for row in latest], verdict=Outcome.FAIL
    ).values_list("scan__system_id", "item_key"):
        failing.setdefault(system_id, set()).add(key)
    found: dict[int, list[int]] = {}
    if not failing:
        return found
    by_pk = {a.pk: a for a in assessments}
    answers = Answer.objects.filter(assessment_id__in=by_pk, status=Status.DONE).values_list(
        "assessment_id", "item__key", "item__number"
    )
    for assessment_id, key, number in answers.order_by("item__number"):
        if key in failing.get(by_pk[assessment_id].system_id, ()):
            found.setdefault(assessment_id, []).append(number)
    return found
