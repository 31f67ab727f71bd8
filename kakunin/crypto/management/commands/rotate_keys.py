"""Re-encrypt every encrypted value under the current key (the first one in
FIELD_ENCRYPTION_KEYS). Put the new key first, keep the old ones after it, run
this, then remove the old keys. --dry-run counts without writing."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from kakunin.audit.trail import record
from kakunin.crypto import keys
from kakunin.crypto.fields import EncryptedTextField


def encrypted_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run, **options):
        current = keys.current_key_id()
        total = 0
        try:
            with transaction.atomic():
                for model, field in encrypted_fields():
                    count = self.rotate(model, field, current, dry_run)
                    self.stdout.write(f"{model._meta.label}.{field.name}: {count}")
                    total += count
                if not dry_run:
                    record(
                        "crypto.rotate", changes={"key": [None, current], "values": [None, total]}
                    )
        except keys.DecryptionError as exc:
            raise CommandError(
                f"復号できない値があります（{exc}）。何も変更していません。"
            ) from None
        verb = "を再暗号化します（--dry-run）" if dry_run else "を再暗号化しました"
        self.stdout.write(f"鍵 {current} で {total} 件{verb}。")

    def rotate(self, model, field, current: str, dry_run: bool) -> int:
        manager = model._base_manager
        raw = manager.annotate(_raw=Cast(field.name, models.TextField())).values_list("pk", "_raw")
        count = 0
        for pk, token in raw.iterator():
            if token and keys.key_id_of(token) != current:
                plain = keys.decrypt(token, field.context()).decode()
                if not dry_run:
                    manager.filter(pk=pk).update(**{field.name: plain})
                count += 1
        return count
