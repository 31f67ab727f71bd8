"""Move audit events older than --older-than DAYS into compressed archive files
(under AUDIT_ARCHIVE_DIR), keeping the hash chain whole: audit_verify checks
the files and the table together. --purge-expired deletes archive files whose
events are all older than AUDIT_RETENTION_DAYS (at least 730). --dry-run says
what would be archived and deleted, and changes nothing."""

from django.core.management.base import CommandError

from kakunin.audit import actions, archive
from kakunin.core.times import local
from kakunin.tenants.commands import ServiceCommand

DAY = "%Y-%m-%d"


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--purge-expired", action="store_true")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be done; change nothing"
        )

    def handle(self, *args, older_than, purge_expired: bool, dry_run: bool, **options):
        if older_than < 1:
            raise CommandError("--older-than は1以上の日数で指定してください。")
        if dry_run:
            self.dry_run(older_than, purge_expired)
            return
        segments = actions.archive_events(older_than)
        for s in segments:
            self.stdout.write(f"{s.filename}: #{s.first_seq}–#{s.last_seq}（{s.count} 件）")
        self.stdout.write(f"{sum(s.count for s in segments)} 件をアーカイブしました。")
        if purge_expired:
            for s in actions.purge_expired():
                self.stdout.write(f"保存期間を過ぎたアーカイブを削除しました: {s.filename}")

    def dry_run(self, older_than: int, purge_expired: bool) -> None:
        planned = archive.plan(older_than)
        for s in planned:
            self.stdout.write(
                f"{s.filename}: #{s.first_seq}–#{s.last_seq}（{s.count} 件、"
                f"{local(s.first_at, DAY)}〜{local(s.last_at, DAY)}）"
            )
        total = sum(s.count for s in planned)
        self.stdout.write(f"{total} 件をアーカイブします（--dry-run: 何も変更していません）。")
        if purge_expired:
            for s in archive.expired():
                self.stdout.write(f"保存期間を過ぎたアーカイブを削除します: {s.filename}")
