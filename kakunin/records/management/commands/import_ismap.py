"""Import the ISMAP (or ISMAP-LIU) cloud service list, downloaded from the ISMAP
portal elsewhere (LGWAN has no internet), as its published Excel (.xlsx) or CSV.
Services missing from the new list are kept, marked as having left it. A bad row
refuses the whole file, naming it; nothing changes then.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from kakunin.records import actions as records_actions
from kakunin.records import ismap
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="show what would change")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            with open(file, "rb") as f:
                data = f.read(settings.ISMAP_LIST_MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"{file}: 開けません ({exc.strerror})") from None
        if len(data) > settings.ISMAP_LIST_MAX_BYTES:
            raise CommandError(
                f"{file}: ファイルが大きすぎます（上限 {settings.ISMAP_LIST_MAX_BYTES} バイト）。"
            )
        try:
            counts = records_actions.import_ismap_list(
                actor=None, data=data, filename=file.name, dry_run=dry_run
            )
        except ismap.ListRefused as exc:
            raise CommandError(
                "取り込めません。何も変更していません。\n" + "\n".join(exc.errors)
            ) from None
        prefix = "（試行のみ・変更なし）" if dry_run else ""
        self.stdout.write(
            f"{prefix}掲載 {counts['listed']} 件: 新規 {counts['new']}、変更 {counts['changed']}、"
            f"リストから外れた {counts['removed']}"
        )
