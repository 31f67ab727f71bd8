"""Write one backup generation (the database, the evidence files, the audit archive,
a manifest), encrypted with BACKUP_KEY, into BACKUP_DIR; keep BACKUP_GENERATIONS;
copy it to BACKUP_OFFSITE_DIR and check the copy. With --verify, instead restore the
newest generation (or GENERATION) into a scratch database and compare row counts,
the audit chain and every evidence file's hash, naming what differs.

Exit code 0: done (verified); 1: the backup failed or the verification found problems.
"""

from pathlib import Path

from django.core.management.base import CommandError

from kakunin.backups import actions
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="verify instead of backing up")
        parser.add_argument(
            "generation", nargs="?", type=Path, help="with --verify: this generation"
        )

    def handle(self, *args, verify: bool, generation: Path | None, **options):
        if not verify:
            if generation:
                raise CommandError("世代（GENERATION）は --verify と一緒に指定してください。")
            try:
                made = actions.run_backup()
            except Exception as exc:  # recorded and alerted by run_backup; said here too
                raise CommandError(f"バックアップに失敗しました: {exc}") from None
            files = ", ".join(sorted(p.name for p in made.iterdir()))
            self.stdout.write(f"{made}: {files}")
            return
        result = actions.run_verify(generation)
        for problem in result.problems:
            self.stderr.write(str(problem))
        if not result.ok:
            raise CommandError(f"{result.generation}: 問題が {len(result.problems)} 件あります。")
        self.stdout.write(
            f"{result.generation}: OK（{result.tables} テーブル・{result.rows} 行、"
            f"監査ログ {result.events} 件の連鎖、証跡 {result.evidence} 件）"
        )
