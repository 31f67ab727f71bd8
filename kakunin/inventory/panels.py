"""The inventory of a system, on the system's page (registered in apps.py)."""

from kakunin.inventory.details import state_of


def system_panel(request, system, *, can_edit: bool):
    return "inventory/_system_panel.html", {"system": system, "state": state_of(system)}
