"""The command of an import: read a file into a plan, show each change, then apply
them all (or, with --dry-run, nothing). A refused file changes nothing and the
messages name what is at fault."""

from pathlib import Path

from django.core.management.base import CommandError

from kakunin.staging.models import ImportRefused
from kakunin.tenants.commands import MunicipalityCommand


class ImportCommand(MunicipalityCommand):
    """A kind's command says what the import changes (`owner_label`, `owner`), how a
    file becomes a plan (`read`), how a plan is shown (`show`, returning the number of
    changes) and applied (`apply`). `file_first`: FILE ID rather than ID FILE."""

    owner_label = ""  # "確認票", "システム"
    file_first = False
    applied = "{n} 件の変更を反映しました。"

    def add_arguments(self, parser):
        names = ["file", "owner_id"] if self.file_first else ["owner_id", "file"]
        for name in names:
            parser.add_argument(name, type=Path if name == "file" else int)
        parser.add_argument("--dry-run", action="store_true", help="show the changes only")

    def owner(self, pk: int):
        raise NotImplementedError

    def read(self, file: Path, owner):
        raise NotImplementedError

    def show(self, plan) -> int:
        raise NotImplementedError

    def apply(self, owner, plan, source_label: str) -> int:
        raise NotImplementedError

    def handle(self, *args, file: Path, owner_id: int, dry_run: bool, **options):
        owner = self.owner(owner_id)
        if owner is None:
            raise CommandError(f"{self.owner_label} ID {owner_id} はありません。")
        try:
            plan = self.read(file, owner)
        except OSError as exc:
            raise CommandError(f"{file}: 開けません ({exc.strerror})") from None
        except ImportRefused as exc:
            raise CommandError(
                "取り込めません。何も変更していません。\n" + "\n".join(exc.errors)
            ) from None
        total = self.show(plan)
        if dry_run:
            self.stdout.write(f"{total} 件の変更（--dry-run のため反映していません）。")
            return
        count = self.apply(owner, plan, str(file))
        self.stdout.write(self.applied.format(n=count))
