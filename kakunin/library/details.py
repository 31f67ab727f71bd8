"""Beside an answer the library filled: where it came from (product, entries, their
versions, when), whether it is still as filled, and, for the reviewers, the verdicts
their own municipality's earlier assessments gave to answers from the same entries
(registered with the assessment page in apps.py). All of it is read from the
municipality's own rows (`FilledFrom`, scoped): the library itself is never read."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache

from kakunin.assessments.models import Verdict
from kakunin.library.models import FilledFrom


@dataclass
class Source:
    product: str
    filled_at: object
    filled_by: str
    unchanged: bool
    on_carry: bool = False
    entries: list[tuple[str, int, str]] = field(default_factory=list)  # control, version, condition
    # Earlier verdicts on answers from the same entries, in this municipality: [(label, n)].
    verdicts: list[tuple[str, str, int]] = field(default_factory=list)


def _none_filled_key(assessment) -> str:
    """Where it is kept that no answer of the assessment came from a library, as it is
    now: a fill moves the assessment's updated_at (actions.fill), and a carried or
    imported assessment is a new one, so the key moves whenever that could change."""
    return f"library:none-filled:{assessment.pk}:{assessment.updated_at.timestamp()}"


def attach(assessment, rows, window) -> None:
    # Most assessments have no answer from a library: once that is known, the query
    # (its row-level security reaches up to the system) is not asked again until the
    # assessment changes (make loadtest lost 12% of its throughput to it).
    if cache.get(_none_filled_key(assessment)):
        return
    # No ordering in SQL: the model's default ordering joins up to the system.
    of_it = FilledFrom.objects.filter(answer__assessment=assessment).order_by()
    everything = list(of_it.select_related("control", "filled_by"))
    if not everything:
        cache.set(_none_filled_key(assessment), True, 24 * 3600)
        return
    found = sorted(
        (s for s in everything if s.answer_id in rows),
        key=lambda s: (s.answer_id, -s.filled_at.timestamp(), s.pk),
    )
    latest: dict[int, list[FilledFrom]] = {}
    for source in found:
        mine = latest.setdefault(source.answer_id, [])
        if not mine or mine[0].filled_at == source.filled_at:
            mine.append(source)
    if not latest:
        return
    verdicts = _earlier_verdicts(assessment, {s.entry_id for f in latest.values() for s in f})
    for answer_id, sources in latest.items():
        first, row = sources[0], rows[answer_id]
        shown = Source(
            product=first.product, filled_at=first.filled_at, filled_by=first.filled_by.full_name,
            unchanged=row.answer.version == first.answer_version,
            on_carry=first.on_carry,
            entries=[(s.control.title, s.entry_version, s.condition) for s in sources],
        )  # fmt: skip
        counted: Counter = Counter()
        for s in sources:
            counted.update(verdicts.get(s.entry_id or 0, {}))
        labels = dict(Verdict.choices)
        shown.verdicts = [(v, str(labels[v]), n) for v, n in sorted(counted.items())]
        row.details["library"] = shown


def _earlier_verdicts(assessment, entries: set) -> dict[int, Counter]:
    """Entry -> the verdicts given to unchanged answers it filled in other assessments
    of the municipality worked in (the manager's scope: never another's)."""
    found: dict[int, Counter] = {}
    earlier = (
        FilledFrom.objects.unchanged()
        .filter(entry_id__in=entries - {None})
        .exclude(answer__assessment=assessment)
        .exclude(answer__verdict="")
    )
    for entry, verdict in earlier.values_list("entry_id", "answer__verdict"):
        found.setdefault(entry, Counter())[verdict] += 1
    return found
