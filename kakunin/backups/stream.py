"""Files encrypted for a backup: AES-256-GCM in 1 MiB chunks, so that a database
dump of any size streams through without being held in memory.

Each chunk is sealed with its index and whether it is the last, and with the file's
name inside its generation ("20261202T020000Z/database.sqlite3"): a chunk moved,
dropped or swapped, a file cut short, or a file of another generation put in its
place fails to decrypt, and the error names the file.
"""

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"KAKUNIN-BACKUP-1\n"
CHUNK = 1024 * 1024


class Damaged(Exception):
    """The file is not what was written: altered, cut short, or not encrypted with
    this key. The message names the file."""


def encrypt(src: Path, dst: Path, key: bytes, name: str) -> str:
    """Write `src` encrypted to `dst`; returns the SHA-256 of what was written."""
    aes, prefix, digest = AESGCM(key), os.urandom(8), hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:

        def write(data: bytes) -> None:
            fout.write(data)
            digest.update(data)

        write(MAGIC + prefix)
        index, chunk = 0, fin.read(CHUNK)
        while True:
            following = fin.read(CHUNK) if chunk else b""
            final = not following
            sealed = aes.encrypt(prefix + index.to_bytes(4, "big"), chunk, _aad(name, index, final))
            write(len(sealed).to_bytes(4, "big") + sealed)
            if final:
                return digest.hexdigest()
            index, chunk = index + 1, following


def decrypt(src: Path, dst: Path | None, key: bytes, name: str) -> str:
    """Decrypt `src` (to `dst`, or only check it); returns the SHA-256 of the plain
    content. Raises Damaged."""
    aes, digest = AESGCM(key), hashlib.sha256()
    size = src.stat().st_size
    with open(src, "rb") as fin, open(dst, "wb") if dst else open(os.devnull, "wb") as fout:
        if fin.read(len(MAGIC)) != MAGIC:
            raise Damaged(f"{name}: not a Kakunin backup file")
        prefix, index = fin.read(8), 0
        while True:
            header = fin.read(4)
            if len(header) < 4:
                raise Damaged(f"{name}: cut short")
            sealed = fin.read(int.from_bytes(header, "big"))
            final = fin.tell() >= size
            try:
                plain = aes.decrypt(
                    prefix + index.to_bytes(4, "big"), sealed, _aad(name, index, final)
                )
            except InvalidTag:
                raise Damaged(f"{name}: altered, or not encrypted with this BACKUP_KEY") from None
            fout.write(plain)
            digest.update(plain)
            if final:
                return digest.hexdigest()
            index += 1


def _aad(name: str, index: int, final: bool) -> bytes:
    return f"{name}\0{index}\0{int(final)}".encode()


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return sha256_of_file(f)


def sha256_of_file(f) -> str:
    """The SHA-256 of an open file, read from where it stands to its end."""
    digest = hashlib.sha256()
    for block in iter(lambda: f.read(CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()
