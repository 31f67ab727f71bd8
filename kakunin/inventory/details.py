"""Items 66, 67 and 72 of the assessment page show the system's inventory beside the
answer (registered in apps.py), as the automated check does for its items."""

from dataclasses import dataclass

from django.db.models import Count

from kakunin.inventory import eol
from kakunin.inventory.models import Component, Finding, Severity

ITEMS = {"ops-software-inventory", "ops-vulnerability-info", "security-status-report"}


@dataclass(frozen=True)
class InventoryState:
    system: int
    components: int
    past: int
    ending: int
    critical: int
    high: int
    medium: int
    low: int


def state_of(system) -> InventoryState:
    states = eol.statuses(system.components.all())
    severities = list(
        Finding.objects.filter(component__system=system, closed_at__isnull=True).values_list(
            "vulnerability__severity", flat=True
        )
    )
    return InventoryState(
        system=system.pk,
        components=len(states),
        past=sum(s.state == eol.EolState.PAST for s in states.values()),
        ending=sum(s.state == eol.EolState.ENDING for s in states.values()),
        critical=severities.count(Severity.CRITICAL),
        high=severities.count(Severity.HIGH),
        medium=severities.count(Severity.MEDIUM),
        low=severities.count(Severity.LOW),
    )


def attach(assessment, rows, window) -> None:
    wanted = [row for row in rows.values() if row.item.key in ITEMS]
    if not wanted:
        return
    state = state_of(assessment.system)
    for row in wanted:
        row.inventory = state


def dashboard_counts(systems) -> dict[str, int]:
    """How many of these systems run something past its end of life, and how many
    have an open high or critical vulnerability (the ward's dashboard)."""
    from_components = Component.objects.filter(system__in=systems)
    states = eol.statuses(from_components)
    system_of = dict(from_components.values_list("pk", "system_id"))
    past = {system_of[pk] for pk, s in states.items() if s.state == eol.EolState.PAST}
    severe = (
        Finding.objects.filter(
            closed_at__isnull=True,
            component__system__in=systems,
            vulnerability__severity__in=[Severity.CRITICAL, Severity.HIGH],
        )
        .values("component__system")
        .distinct()
        .count()
    )
    return {"past_eol": len(past), "severe": severe}


def open_finding_counts(systems) -> dict[int, int]:
    """How many open vulnerabilities each system has (one query)."""
    rows = (
        Finding.objects.filter(closed_at__isnull=True, component__system__in=systems)
        .values_list("component__system")
        .annotate(n=Count("pk"))
    )
    return dict(rows)
