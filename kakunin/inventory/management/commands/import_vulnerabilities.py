"""Import vulnerability feeds downloaded elsewhere (LGWAN has no internet): NVD's
CVE JSON 2.0 files (yearly and modified, .json or .json.gz) and JVN iPedia's MyJVN
XML. Then every system's inventory is matched again, and each newly affected
system's department, vendor and the reviewers are told once.

All files are imported or none: a bad file names itself and the record.
"""

from pathlib import Path

from django.core.management.base import CommandError

from kakunin.inventory import actions, feeds
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: 開けません（ファイルがありません）")
        try:
            stats = actions.import_vulnerabilities(
                actor=None, files=[(str(p), p.name) for p in files]
            )
        except feeds.FeedRefused as exc:
            raise CommandError(f"取り込めません。何も変更していません。\n{exc}") from None
        self.stdout.write(
            f"新規 {stats['new']} 件・更新 {stats['changed']} 件・変更なし {stats['unchanged']} 件、"
            f"新たに該当したシステム {stats['systems']} 件"
        )
