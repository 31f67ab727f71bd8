"""The scan results as the rest of Kakunin reads them: beside each answer, and
in the reviewer's queue where an answer and the scan disagree. A result names a
control; it shows on every item of the system's form that asks about it."""

from dataclasses import dataclass, field

from django.db.models import Max

from kakunin.assessments.models import Answer, Status
from kakunin.catalog.models import Item, controls_of
from kakunin.scans.models import Outcome, Scan, ScanResult
from kakunin.scans.policy import overall


@dataclass
class ItemScan:
    """The automated check of one item (of its controls): one verdict over the
    system's targets."""

    scan: Scan
    verdict: str
    results: list[ScanResult] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """Where the scan's page lists the first of these results."""
        return f"result-{self.results[0].control}" if self.results else "results"

    @property
    def label(self) -> str:
        return str(Outcome(self.verdict).label)

    @property
    def at(self):
        return self.scan.finished_at


def items_asking(system, controls) -> list[Item]:
    """The items of the system's form that ask about any of `controls`."""
    form = system.form
    return form.items_with(controls) if form is not None else []


def latest_scan(system, before=None) -> Scan | None:
    """The newest finished scan of the system (before a date, for an approved assessment)."""
    scans = system.scans.filter(state=Scan.State.DONE)
    if before is not None:
        scans = scans.filter(finished_at__lte=before)
    return scans.order_by("-pk").first()


def by_item(system, items, before=None) -> dict[int, ItemScan]:
    """Item pk -> the latest scan's verdict on its controls, for the items given
    (three queries)."""
    scan = latest_scan(system, before)
    if scan is None:
        return {}
    by_control: dict[str, list[ScanResult]] = {}
    for result in scan.results.all():
        by_control.setdefault(result.control, []).append(result)
    found: dict[int, ItemScan] = {}
    for item_pk, controls in controls_of(items).items():
        results = [r for c in controls for r in by_control.get(c, [])]
        if results:
            verdict = str(overall(Outcome(r.verdict) for r in results))
            found[item_pk] = ItemScan(scan, verdict, results)
    return found


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
    for system_id, control in ScanResult.objects.filter(
        scan_id__in=[row["last"] for row in latest], verdict=Outcome.FAIL
    ).values_list("scan__system_id", "control"):
        failing.setdefault(system_id, set()).add(control)
    found: dict[int, list[int]] = {}
    if not failing:
        return found
    by_pk = {a.pk: a for a in assessments}
    answers = Answer.objects.filter(
        assessment_id__in=by_pk,
        status=Status.DONE,
        item__controls__key__in={c for controls in failing.values() for c in controls},
    ).values_list("assessment_id", "item__controls__key", "item__number")
    for assessment_id, control, number in answers.order_by("item__number"):
        numbers = found.setdefault(assessment_id, [])
        if control in failing.get(by_pk[assessment_id].system_id, ()) and number not in numbers:
            numbers.append(number)
    return {pk: numbers for pk, numbers in found.items() if numbers}
