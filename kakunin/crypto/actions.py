"""Key rotation: every encrypted value re-encrypted under the current key, audited."""

from collections.abc import Callable

from django.apps import apps
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


def rotate_keys(*, dry_run: bool, told: Callable[[str, int], None] = lambda label, n: None) -> int:
    """Re-encrypt every value not under the current key (the first of
    FIELD_ENCRYPTION_KEYS), all or none, with one `crypto.rotate` event; `told(field,
    count)` hears each field's count. With `dry_run`, count only. Raises
    keys.DecryptionError (nothing changed) when a value cannot be decrypted."""
    current = keys.current_key_id()
    total = 0
    with transaction.atomic():
        for model, field in encrypted_fields():
            count = _rotate(model, field, current, dry_run)
            told(f"{model._meta.label}.{field.name}", count)
            total += count
        if not dry_run:
            record("crypto.rotate", changes={"key": [None, current], "values": [None, total]})
    return total


def _rotate(model, field, current: str, dry_run: bool) -> int:
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
