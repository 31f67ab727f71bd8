"""The automated check beside each answer of the assessment page (registered in apps.py)."""

from kakunin.scans.results import by_item


def attach(assessment, rows, window) -> None:
    """The latest scan of the system; for an approved assessment, the one it was approved on."""
    items = [row.item for row in rows.values()]
    scans = by_item(assessment.system, items, before=assessment.approved_at)
    for row in rows.values():
        row.details["scan"] = scans.get(row.item.pk)
