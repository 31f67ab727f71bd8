"""The automated checks of a system, on the system's page (registered in apps.py)."""

from kakunin.scans.results import latest_scan


def system_panel(request, system, *, can_edit: bool):
    context = {
        "system": system,
        "scan_targets": system.scan_targets.count(),
        "last_scan": latest_scan(system),
    }
    return "scans/_system_panel.html", context
