"""Move audit events older than --older-than DAYS into compressed archive files
(under AUDIT_ARCHIVE_DIR), keeping the hash chain whole: audit_verify checks
the files and the table together. --purge-expired deletes archive files whose
events are all older than AUDIT_RETENTION_DAYS (at least 730)."""

from django.core.management.base import BaseCommand, CommandError

from kakunin.audit import archive


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--purge-expired", action="store_true")

    def handle(self, *args, older_than, purge_expired: bool, **options):
        if older_than < 1:
            raise CommandError("--older-than は1以上の日数で指定してください。")
        segments = archive.archive(older_than)
        for s in segments:
            self.stdout.write(f"{s.filename}: #{s.first_seq}–#{s.last_seq}（{s.count} 件）")
        self.stdout.write(f"{sum(s.count for s in segments)} 件をアーカイブしました。")
        if purge_expired:
            for s in archive.purge_expired():
                self.stdout.write(f"保存期間を過ぎたアーカイブを削除しました: {s.filename}")
