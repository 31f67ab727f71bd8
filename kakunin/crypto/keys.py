"""AES-256-GCM for important data at rest (data-encryption).

Keys come from FIELD_ENCRYPTION_KEYS, never from SECRET_KEY:
"id:base64key,id:base64key", each key 32 random bytes; the first one encrypts,
all of them decrypt. A value is stored as "enc1:<key id>:<base64(nonce|ciphertext)>",
so it names the key it needs. The context (table and column, or a file's
purpose) is bound in as associated data: a value moved elsewhere will not decrypt.
"""

import base64
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"


class DecryptionError(Exception):
    """A wrong or missing key, or a changed value: never returned as if it were text."""


@cache
def _keys(config: str) -> tuple[str, dict[str, bytes]]:
    keys: dict[str, bytes] = {}
    first = ""
    for part in filter(None, (p.strip() for p in config.split(","))):
        key_id, _, encoded = part.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {key_id!r} is not base64."
            ) from None
        if not key_id or ":" in key_id or len(key) != 32:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {key_id!r} must be 32 bytes (AES-256)."
            )
        keys[key_id] = key
        first = first or key_id
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: important data cannot be encrypted."
        )
    return first, keys


def keyring() -> tuple[str, dict[str, bytes]]:
    """(the id that encrypts, every key by id)."""
    return _keys(settings.FIELD_ENCRYPTION_KEYS)


def current_key_id() -> str:
    return keyring()[0]


def _encrypt(plain: bytes, context: str) -> tuple[str, bytes]:
    """(key id, nonce + ciphertext) under the current key."""
    key_id, keys = keyring()
    nonce = os.urandom(12)
    return key_id, nonce + AESGCM(keys[key_id]).encrypt(nonce, plain, context.encode())


def _decrypt(key_id: str, raw: bytes, context: str) -> bytes:
    key = keyring()[1].get(key_id)
    if key is None:
        raise DecryptionError(f"no key with id {key_id!r} in FIELD_ENCRYPTION_KEYS")
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode())
    except (ValueError, InvalidTag):
        raise DecryptionError(f"the value does not decrypt with key {key_id!r}") from None


def encrypt(plain: bytes, context: str) -> str:
    """For a database column: "enc1:<key id>:<base64(nonce|ciphertext)>"."""
    key_id, raw = _encrypt(plain, context)
    return f"{PREFIX}:{key_id}:{base64.b64encode(raw).decode()}"


def decrypt(token: str, context: str) -> bytes:
    prefix, key_id, body = [*token.split(":", 2), "", ""][:3]
    if prefix != PREFIX:
        raise DecryptionError("not an encrypted value")
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError:
        raise DecryptionError(f"the value is damaged (key {key_id!r})") from None
    return _decrypt(key_id, raw, context)


def seal(plain: bytes, context: str) -> bytes:
    """For a file: b"enc1:<key id>:" followed by nonce and ciphertext, no base64."""
    key_id, raw = _encrypt(plain, context)
    return f"{PREFIX}:{key_id}:".encode() + raw


def unseal(data: bytes, context: str) -> bytes:
    prefix, _, rest = data.partition(b":")
    key_id, _, raw = rest.partition(b":")
    if prefix != PREFIX.encode() or not raw:
        raise DecryptionError("not an encrypted file")
    return _decrypt(key_id.decode(errors="replace"), raw, context)


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1] if token.startswith(PREFIX + ":") else ""


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()
