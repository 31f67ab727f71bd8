"""Read a system's inventory from a file (the Excel/CSV template, CycloneDX JSON/XML,
SPDX 2.3 JSON): show what is added, changed and removed, then apply all of it.

With --dry-run nothing is written. A refused file changes nothing; the messages
name the file and the row or record at fault.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kakunin.inventory import actions, sources
from kakunin.systems.models import System


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("system_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="show the changes only")

    def handle(self, *args, system_id, file, dry_run, **options):
        system = System.objects.filter(pk=system_id).first()
        if system is None:
            raise CommandError(f"システム ID {system_id} はありません。")
        try:
            with open(file, "rb") as f:
                data = f.read(settings.INVENTORY_IMPORT_MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"{file}: 開けません ({exc.strerror})") from None
        try:
            if len(data) > settings.INVENTORY_IMPORT_MAX_BYTES:
                raise sources.InventoryRefused([f"{file.name}: ファイルが大きすぎます。"])
            plan = actions.plan_import(system, sources.read(data, file.name))
        except sources.InventoryRefused as exc:
            raise CommandError(
                "取り込めません。何も変更していません。\n" + "\n".join(exc.errors)
            ) from None
        for row in plan["added"]:
            self.stdout.write(f"+ {row['product']} {row['version']} {row['location']}".rstrip())
        for entry in plan["changed"]:
            changes = ", ".join(
                f"{k}: {a or '—'} → {b or '—'}" for k, (a, b) in entry["changes"].items()
            )
            self.stdout.write(f"~ {entry['label']} ({changes or '取り込み元'})")
        for entry in plan["removed"]:
            self.stdout.write(f"- {entry['label']}")
        total = len(plan["added"]) + len(plan["changed"]) + len(plan["removed"])
        if dry_run:
            self.stdout.write(f"{total} 件の変更（--dry-run のため反映していません）。")
            return
        count = actions.apply_plan(actor=None, system=system, plan=plan, source_label=str(file))
        self.stdout.write(f"{count} 件の変更を反映しました。")
