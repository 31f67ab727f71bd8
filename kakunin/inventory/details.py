"""The items of the assessment page that ask about software, its end of life or its
vulnerabilities (or the report on them) show the system's inventory beside the answer
(registered in apps.py), as the automated check does for its controls."""

from dataclasses import dataclass

from django.db.models import Count

from kakunin.catalog.models import controls_of
from kakunin.inventory import eol
from kakunin.inventory.models import Component, Finding, Response, Severity

CONTROLS = {
    "software-inventory",
    "eol-management",
    "vulnerability-information",
    "security-status-report",
}


@dataclass(frozen=True)
class InventoryState:
    system: int
    components: int
    past: int
    ending: int
    critical: int  # unresolved, by severity
    high: int
    medium: int
    low: int
    # Answered 対応済 while the inventory keeps the affected version: counted apart.
    fixed_but_listed: int = 0


def state_of(system) -> InventoryState:
    states = eol.statuses(system.components.all())
    findings = Finding.objects.filter(component__system=system)
    severities = list(findings.unresolved().values_list("vulnerability__severity", flat=True))
    return InventoryState(
        fixed_but_listed=findings.fixed_but_still_listed().count(),
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
    controls = controls_of(row.item for row in rows.values())
    wanted = [row for row in rows.values() if CONTROLS & set(controls[row.item.pk])]
    if not wanted:
        return
    state = state_of(assessment.system)
    for row in wanted:
        row.details["inventory"] = state


def dashboard_counts(systems) -> dict[str, int]:
    """How many of these systems run something past its end of life, and how many
    have an open high or critical vulnerability (the ward's dashboard)."""
    from_components = Component.objects.filter(system__in=systems)
    states = eol.statuses(from_components)
    system_of = dict(from_components.values_list("pk", "system_id"))
    past = {system_of[pk] for pk, s in states.items() if s.state == eol.EolState.PAST}
    severe = (
        Finding.objects.unresolved()
        .filter(
            component__system__in=systems,
            vulnerability__severity__in=[Severity.CRITICAL, Severity.HIGH],
        )
        .values("component__system")
        .distinct()
        .count()
    )
    return {"past_eol": len(past), "severe": severe}


def vulnerability_counts(systems) -> dict[int, tuple[int, int]]:
    """Per system, (unresolved vulnerabilities, those answered 対応済 while the inventory
    keeps the affected version), in one query."""
    rows = (
        Finding.objects.open()
        .with_response()
        .filter(component__system__in=systems)
        .values_list("component__system", "response_kind")
        .annotate(n=Count("pk"))
    )
    out: dict[int, tuple[int, int]] = {}
    for system, kind, n in rows:
        unresolved, listed = out.get(system, (0, 0))
        if kind in (None, Response.Kind.PLANNED):
            unresolved += n
        elif kind == Response.Kind.FIXED:
            listed += n
        out[system] = (unresolved, listed)
    return out
