"""The inventory of a system, on the system's page (registered in apps.py)."""

from kakunin.inventory import eol


def system_panel(request, system, *, can_edit: bool):
    states = eol.statuses(system.components.all())
    counts = {s: 0 for s in eol.EolState.values}
    for status in states.values():
        counts[status.state] += 1
    return "inventory/_system_panel.html", {
        "system": system,
        "total": len(states),
        "counts": counts,
    }
