"""Load checklist templates from YAML: the bundled ones, or the files given.

Every file is checked before anything is stored; one malformed file loads
nothing. Loading a file again changes nothing. A new version loads beside the
old one, and existing assessments keep the version they were made with.
"""

from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction

from kakunin.catalog.loader import CatalogError, bundled_files, load, read_file
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="YAML files (default: bundled)")

    def handle(self, *args, files, **options):
        paths = files or bundled_files()
        try:
            parsed = [read_file(path) for path in paths]
            with transaction.atomic():
                results = [load(p) for p in parsed]
        except CatalogError as exc:
            raise CommandError(f"{exc}\n何も読み込んでいません。") from None
        for result in results:
            t = result.template
            state = (
                "読み込みました"
                if result.created
                else "管理策の対応付けを更新しました"
                if result.retagged
                else "読み込み済み（変更なし）"
            )
            self.stdout.write(f"{t.key} 第{t.version}版: {t.items.count()}項目 {state}")
            untagged = t.items.filter(controls=None).order_by("number")
            if untagged:
                numbers = "、".join(f"No.{i.shown_number}" for i in untagged)
                self.stdout.write(
                    f"  管理策のない項目（Web の様式管理で付けてください）: {numbers}"
                )
