"""Read a system's inventory from a file (the Excel/CSV template, CycloneDX JSON/XML,
SPDX 2.3 JSON): show what is added, changed and removed, then apply all of it.

With --dry-run nothing is written. A refused file changes nothing; the messages
name the file and the row or record at fault.
"""

from django.conf import settings

from kakunin.inventory import actions, sources
from kakunin.staging.command import ImportCommand
from kakunin.staging.models import ImportRefused
from kakunin.systems.models import System


class Command(ImportCommand):
    help = __doc__
    owner_label = "システム"  # import_inventory SYSTEM_ID FILE

    def owner(self, pk: int):
        return System.objects.filter(pk=pk).first()

    def read(self, file, owner):
        with open(file, "rb") as f:
            data = f.read(settings.INVENTORY_IMPORT_MAX_BYTES + 1)
        if len(data) > settings.INVENTORY_IMPORT_MAX_BYTES:
            raise ImportRefused([f"{file.name}: ファイルが大きすぎます。"])
        return actions.plan_import(owner, sources.read(data, file.name))

    def apply(self, owner, plan, source_label: str) -> int:
        return actions.apply_plan(actor=None, owner=owner, plan=plan, source_label=source_label)

    def show(self, plan) -> int:
        for row in plan["added"]:
            self.stdout.write(f"+ {row['product']} {row['version']} {row['location']}".rstrip())
        for entry in plan["changed"]:
            changes = ", ".join(
                f"{k}: {a or '—'} → {b or '—'}" for k, (a, b) in entry["changes"].items()
            )
            self.stdout.write(f"~ {entry['label']} ({changes or '取り込み元'})")
        for entry in plan["removed"]:
            self.stdout.write(f"- {entry['label']}")
        return len(plan["added"]) + len(plan["changed"]) + len(plan["removed"])
