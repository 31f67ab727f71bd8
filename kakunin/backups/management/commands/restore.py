"""Restore a backup generation (a folder written by `manage.py backup`) into the
configured database, EVIDENCE_DIR and AUDIT_ARCHIVE_DIR: on a new machine, with the
same FIELD_ENCRYPTION_KEYS and BACKUP_KEY (README: 復旧手順).

Refuses a damaged or altered generation, naming the file; refuses a database or
folder that is not empty unless --force (which replaces what is there). --dry-run
checks the generation and the target and changes nothing.
"""

from pathlib import Path

from django.core.management.base import CommandError

from kakunin.backups import actions, database
from kakunin.backups.generation import BackupError, restore
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("generation", type=Path)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--force", action="store_true", help="replace a database or folder that is not empty"
        )

    def handle(self, *args, generation: Path, dry_run: bool, force: bool, **options):
        if not generation.is_dir():
            raise CommandError(f"{generation}: 世代のフォルダがありません。")
        try:
            plan = restore(generation, dry_run=dry_run, force=force)
        except BackupError as exc:
            raise CommandError(f"復元できません。何も変更していません。\n{exc.text}") from None
        except database.RestoreFailed as exc:
            raise CommandError(f"復元できません。何も変更していません。\n{exc}") from None
        what = (
            f"{plan.generation}: {plan.tables} テーブル・{plan.rows} 行、証跡 {plan.evidence} 件、"
            f"監査ログのアーカイブ {plan.archive_files} 件"
        )
        if dry_run:
            self.stdout.write(f"（試行のみ・変更なし）{what} を復元できます。")
            return
        actions.restored(generation=plan.generation)
        self.stdout.write(
            f"{what} を復元しました。`manage.py migrate` と `manage.py audit_verify` を続けてください。"
        )
