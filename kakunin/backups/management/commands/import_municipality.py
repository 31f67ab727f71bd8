"""Load one municipality's archive (export_municipality) into this Kakunin:
`import_municipality FILE --key-file KEY`.

The archive is read whole and checked (the key, every chunk, every member's SHA-256,
the municipality's audit chain) before anything is written, and loaded in one
transaction: a refusal leaves nothing behind. Its staff carry no password: each sets
one through the password reset.
"""

from pathlib import Path

from django.core.management.base import CommandError

from kakunin.backups import actions, municipal
from kakunin.backups.management.commands.export_municipality import read_key
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the archive export_municipality wrote")
        parser.add_argument(
            "--key-file", type=Path, required=True, help="its 32-byte key, in base64"
        )

    def handle(self, *args, file: Path, key_file: Path, **options):
        key = read_key(key_file)
        try:
            opened = municipal.open_archive(file, key)
            imported = actions.import_municipality(opened=opened)
        except municipal.ArchiveRefused as refused:
            raise CommandError(f"{refused.text.ja} 何も読み込んでいません。") from None
        municipality, counts = imported.municipality, imported.counts
        self.stdout.write(
            f"{municipality.name}（{municipality.code}）を読み込みました: "
            f"システム {counts.get('systems.System', 0)} 件、"
            f"回答 {counts.get('assessments.Answer', 0)} 件、"
            f"証跡ファイル {counts.get('evidence.Evidence', 0)} 件、"
            f"監査イベント {imported.events} 件。"
            f"既にいた事業者 {imported.reused['organisations']} 社・"
            f"事業者の担当者 {imported.reused['people']} 人はそのまま使いました。"
        )
        self.stdout.write(
            "職員のパスワードは引き継いでいません。各自パスワードの再設定を行ってください。"
        )
