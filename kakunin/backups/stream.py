"""Files encrypted for a backup: AES-256-GCM in 1 MiB chunks, so that a database
dump of any size streams through without being held in memory.

A file starts with its own label, "20261202T020000Z/database.sqlite3" (its generation
and its name in it), and a check value of the key. Each chunk is sealed with the label,
its index and whether it is the last: a chunk moved, dropped or swapped, a file cut
short, or a file of another generation put in its place fails, and the message says
which. A generation does not depend on the name of the folder it lies in: recovery
copies folders, under whatever name.

Files of the first format (KAKUNIN-BACKUP-1) carry no label: they open only with the
label given, which was the folder's name when they were written.
"""

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kakunin.core.text import Text, say

MAGIC = b"KAKUNIN-BACKUP-2\n"
MAGIC_V1 = b"KAKUNIN-BACKUP-1\n"
CHUNK = 1024 * 1024
CHECK = 8  # bytes of the key's check value


class Damaged(Exception):
    """The file is not what was written; `text` says what is wrong with it (cut short,
    altered where, another key, another file), naming the file."""

    def __init__(self, text: Text):
        super().__init__(text.ja)
        self.text = text


def private(path, flags: int) -> int:
    """Open for open(): a file only its owner may read (0600), whatever the umask."""
    return os.open(path, flags, 0o600)


def key_check(key: bytes) -> bytes:
    """A value that tells a wrong key from an altered file, and reveals nothing of it."""
    return hmac.new(key, b"kakunin backup key check", hashlib.sha256).digest()[:CHECK]


def encrypt(src: Path, dst: Path, key: bytes, label: str) -> str:
    """Write `src` encrypted to `dst` under its label (GENERATION/NAME); returns the
    SHA-256 of what was written."""
    aes, prefix, digest = AESGCM(key), os.urandom(8), hashlib.sha256()
    name = label.encode()
    with open(src, "rb") as fin, open(dst, "wb", opener=private) as fout:

        def write(data: bytes) -> None:
            fout.write(data)
            digest.update(data)

        write(MAGIC + key_check(key) + len(name).to_bytes(2, "big") + name + prefix)
        index, chunk = 0, fin.read(CHUNK)
        while True:
            following = fin.read(CHUNK) if chunk else b""
            final = not following
            sealed = aes.encrypt(
                prefix + index.to_bytes(4, "big"), chunk, _aad(label, index, final)
            )
            write(len(sealed).to_bytes(4, "big") + sealed)
            if final:
                return digest.hexdigest()
            index, chunk = index + 1, following


def label_of(src: Path) -> str | None:
    """The label a file carries (GENERATION/NAME), or None for the first format. Raises
    Damaged for what is not a backup file."""
    with open(src, "rb") as fin:
        return _header(fin, src, None)[0]


def _header(fin, src: Path, key: bytes | None) -> tuple[str | None, bytes]:
    magic = fin.read(len(MAGIC))
    if magic == MAGIC_V1:
        return None, fin.read(8)
    if magic != MAGIC:
        raise Damaged(
            say("%(file)s: Kakunin のバックアップファイルではありません。", file=str(src))
        )
    check = fin.read(CHECK)
    size = int.from_bytes(fin.read(2), "big")
    try:
        label = fin.read(size).decode()
    except UnicodeDecodeError:
        label = ""
    prefix = fin.read(8)
    if len(prefix) < 8 or not label:
        raise Damaged(say("%(file)s: 先頭が壊れています。", file=str(src)))
    if key is not None and not hmac.compare_digest(check, key_check(key)):
        raise Damaged(
            say(
                "%(file)s: 別の BACKUP_KEY で暗号化されています。この世代を作ったときの鍵を BACKUP_KEY（または BACKUP_KEY_FILE）に設定してください。",
                file=str(src),
            )
        )
    return label, prefix


def decrypt(src: Path, dst: Path | None, key: bytes, label: str) -> str:
    """Decrypt `src` (to `dst`, or only check it), which must carry `label`; returns the
    SHA-256 of the plain content. Raises Damaged."""
    aes, digest = AESGCM(key), hashlib.sha256()
    size = src.stat().st_size
    with (
        open(src, "rb") as fin,
        open(dst, "wb", opener=private) if dst else open(os.devnull, "wb") as fout,
    ):
        carried, prefix = _header(fin, src, key)
        if carried is not None and carried != label:
            raise Damaged(
                say(
                    "%(file)s: 別のファイル（%(carried)s）です。%(label)s の代わりには使えません。",
                    file=str(src),
                    carried=carried,
                    label=label,
                )
            )
        index = 0
        while True:
            at = fin.tell()
            header = fin.read(4)
            sealed = fin.read(int.from_bytes(header, "big")) if len(header) == 4 else b""
            if len(header) < 4 or len(sealed) < int.from_bytes(header, "big") or not sealed:
                raise Damaged(
                    say(
                        "%(file)s: 途中で切れています（%(size)s バイト）。コピーが最後まで終わっているか確かめてください。",
                        file=str(src),
                        size=size,
                    )
                )
            final = fin.tell() >= size
            try:
                plain = aes.decrypt(
                    prefix + index.to_bytes(4, "big"), sealed, _aad(label, index, final)
                )
            except InvalidTag:
                raise Damaged(_altered(src, carried, at)) from None
            fout.write(plain)
            digest.update(plain)
            if final:
                return digest.hexdigest()
            index += 1


def _altered(src: Path, carried: str | None, at: int) -> Text:
    if carried is None:
        # The first format cannot tell a wrong key, another folder name and a change apart.
        return say(
            "%(file)s: 改変されているか、この BACKUP_KEY で暗号化されていません。以前の版の世代は作成時のフォルダ名（例: 20261202T023000Z）の下でしか開けません。フォルダ名を元に戻してください。",
            file=str(src),
        )
    return say(
        "%(file)s: %(at)s バイト目からの部分が改変されているか壊れています。",
        file=str(src),
        at=at,
    )


def _aad(label: str, index: int, final: bool) -> bytes:
    return f"{label}\0{index}\0{int(final)}".encode()


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return sha256_of_file(f)


def sha256_of_file(f) -> str:
    """The SHA-256 of an open file, read from where it stands to its end."""
    digest = hashlib.sha256()
    for block in iter(lambda: f.read(CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()
