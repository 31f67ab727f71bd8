"""Re-encrypt every encrypted value under the current key (the first one in
FIELD_ENCRYPTION_KEYS). Put the new key first, keep the old ones after it, run
this, then remove the old keys. --dry-run counts without writing."""

from django.core.management.base import CommandError

from kakunin.crypto import keys
from kakunin.crypto.actions import rotate_keys
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run, **options):
        try:
            total = rotate_keys(
                dry_run=dry_run, told=lambda label, n: self.stdout.write(f"{label}: {n}")
            )
        except keys.DecryptionError as exc:
            raise CommandError(
                f"復号できない値があります（{exc}）。何も変更していません。"
            ) from None
        verb = "を再暗号化します（--dry-run）" if dry_run else "を再暗号化しました"
        self.stdout.write(f"鍵 {keys.current_key_id()} で {total} 件{verb}。")
