"""One backup generation (Kakunin's own backup-frequency, restore-test, offsite-backup): a folder named by its UTC
time in BACKUP_DIR, holding

- the database (database.sqlite3 or database.pgdump), the evidence files
  (evidence.tar: still sealed with the field keys) and the audit archive
  (audit-archive.tar), each encrypted with BACKUP_KEY (stream.py);
- manifest.json, encrypted too: the SHA-256 of every file, each table's row count,
  each evidence file's SHA-256, the audit chain's head.

The field-encryption keys are never inside: a generation restores only with them
kept apart (README, 復旧手順). A generation is written under a temporary name and
renamed when complete; BACKUP_GENERATIONS are kept; each is copied to
BACKUP_OFFSITE_DIR and the copy checked.
"""

import base64
import binascii
import hashlib
import json
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import Storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakunin.audit.models import ChainHead
from kakunin.audit.verify import verify as verify_chain
from kakunin.backups import database, stream
from kakunin.core import storage
from kakunin.core.text import Text, say
from kakunin.crypto import keys
from kakunin.evidence.models import Evidence

NAME = re.compile(r"^\d{8}T\d{6}Z$")
MANIFEST = "manifest.json"


class BackupError(Exception):
    """The generation cannot be used; `text` names the file at fault and what is wrong
    (str() is the fixed Japanese, for the logs)."""

    def __init__(self, text: Text):
        super().__init__(text.ja)
        self.text = text


def backup_key() -> bytes:
    try:
        key = base64.b64decode(settings.BACKUP_KEY, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            "BACKUP_KEY (or BACKUP_KEY_FILE) must be 32 random bytes in base64, kept apart "
            "from the backups and from FIELD_ENCRYPTION_KEYS."
        )
    return key


def generations(directory: Path | None = None) -> list[Path]:
    """The complete generations, oldest first."""
    directory = directory or settings.BACKUP_DIR
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_dir() and NAME.match(p.name))


def make() -> Path:
    """Write one generation; rotate; copy it off-site when BACKUP_OFFSITE_DIR is set."""
    key = backup_key()
    name = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    root: Path = settings.BACKUP_DIR
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = root / name
    if final.exists():
        raise BackupError(say("%(path)s: この秒の世代はすでにあります。", path=str(final)))
    partial = root / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        work = Path(tmp)
        db_file, tables = database.dump(work)
        head = ChainHead.objects.filter(pk=1).first()
        plain = {
            db_file.name: db_file,
            "evidence.tar": _tar(storage.evidence(), work / "evidence.tar"),
            "audit-archive.tar": _tar(storage.audit_archive(), work / "audit-archive.tar"),
        }
        files = {
            fname: {
                "sha256": stream.encrypt(path, partial / fname, key, f"{name}/{fname}"),
                "plain_sha256": stream.sha256_of(path),
            }
            for fname, path in plain.items()
        }
        manifest = {
            "format": 1,
            "generation": name,
            "created_at": timezone.now().isoformat(),
            "engine": database.engine(),
            "database": db_file.name,
            "files": files,
            "tables": tables,
            "evidence": _hashes(storage.evidence()),
            "audit_head": {"seq": head.seq, "hash": head.hash} if head else None,
        }
        manifest_plain = work / MANIFEST
        manifest_plain.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        stream.encrypt(manifest_plain, partial / MANIFEST, key, f"{name}/{MANIFEST}")
    partial.rename(final)
    rotate(root)
    if settings.BACKUP_OFFSITE_DIR:
        copy_offsite(final, Path(settings.BACKUP_OFFSITE_DIR))
    return final


def _tar(files: Storage, out: Path) -> Path:
    """Every file of a storage (the evidence, the audit archive), read through the storage
    API, into one tar file."""
    with tarfile.open(out, "w") as tar:
        for name in storage.names(files):
            with files.open(name) as f:
                info = tarfile.TarInfo(name)
                info.size, info.mode = f.size, 0o600
                info.mtime = int(files.get_modified_time(name).timestamp())
                tar.addfile(info, f)
    return out


def _hashes(files: Storage) -> dict[str, str]:
    hashes = {}
    for name in storage.names(files):
        with files.open(name) as f:
            hashes[name] = stream.sha256_of_file(f)
    return hashes


def rotate(root: Path) -> list[Path]:
    """Remove the oldest generations beyond BACKUP_GENERATIONS; returns those removed."""
    gone = generations(root)[: -settings.BACKUP_GENERATIONS or None]
    for path in gone:
        shutil.rmtree(path)
    return gone


def copy_offsite(generation: Path, offsite: Path) -> Path:
    """Copy a generation to the second disk or share, check every file's SHA-256 there
    against the manifest, and rotate there too."""
    offsite.mkdir(parents=True, exist_ok=True, mode=0o700)
    target, partial = offsite / generation.name, offsite / f".{generation.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(generation, partial)
    manifest = read_manifest(partial, generation.name)
    for fname, entry in manifest["files"].items():
        if stream.sha256_of(partial / fname) != entry["sha256"]:
            raise BackupError(
                say("%(file)s: 遠隔地の複製が元と異なります。", file=str(partial / fname))
            )
    partial.rename(target)
    rotate(offsite)
    return target


def _missing(path: Path) -> BackupError:
    return BackupError(say("%(file)s: ありません。", file=str(path)))


def read_manifest(generation: Path, name: str = "") -> dict:
    """The manifest, decrypted. It names its generation itself, whatever the folder is
    called; `name` (else the folder's name) serves only the first format, whose files
    were sealed under their folder's name."""
    path = generation / MANIFEST
    if not path.is_file():
        raise _missing(path)
    try:
        label = stream.label_of(path) or f"{name or generation.name}/{MANIFEST}"
    except stream.Damaged as exc:
        raise BackupError(exc.text) from None
    if not label.endswith(f"/{MANIFEST}"):
        raise BackupError(
            say("%(file)s: 目録ではなく %(label)s のファイルです。", file=str(path), label=label)
        )
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / MANIFEST
        try:
            stream.decrypt(path, plain, backup_key(), label)
        except stream.Damaged as exc:
            raise BackupError(exc.text) from None
        manifest = json.loads(plain.read_text(encoding="utf-8"))
    if f"{manifest['generation']}/{MANIFEST}" != label:
        raise BackupError(say("%(file)s: 目録の世代名が一致しません。", file=str(path)))
    return manifest


def unpack(generation: Path, into: Path) -> dict:
    """Every file of the generation decrypted into `into`, checked against the manifest
    first. Raises BackupError naming the first file at fault; returns the manifest."""
    manifest = read_manifest(generation)
    key = backup_key()
    for fname, entry in manifest["files"].items():
        path = generation / fname
        if not path.is_file():
            raise _missing(path)
        try:
            # The file's own label and key check first: a wrong key, another generation's
            # file or a cut are told as such, before the hashes.
            digest = stream.decrypt(path, into / fname, key, f"{manifest['generation']}/{fname}")
        except stream.Damaged as exc:
            raise BackupError(exc.text) from None
        if stream.sha256_of(path) != entry["sha256"] or digest != entry["plain_sha256"]:
            raise BackupError(
                say("%(file)s: 改変されています（SHA-256 が目録と異なります）。", file=str(path))
            )
    return manifest


@dataclass
class Verification:
    generation: str
    problems: list[Text] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    events: int = 0
    evidence: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(generation: Path | None = None) -> Verification:
    """Restore a generation (the newest by default) into a scratch database and folder
    and compare: every table's row count with the manifest, the audit chain as
    `audit_verify` walks it, every evidence file's SHA-256 (sealed, and once opened
    with the field keys, as recorded). Names what differs."""
    if generation is None:
        found = generations()
        if not found:
            return Verification(
                "—", [say("%(dir)s: 確かめる世代がありません。", dir=str(settings.BACKUP_DIR))]
            )
        generation = found[-1]
    result = Verification(generation.name)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            manifest = unpack(generation, work)
        except BackupError as exc:
            result.problems.append(exc.text)
            return result
        evidence_dir, archive_dir = _untar(work, "evidence.tar"), _untar(work, "audit-archive.tar")
        with database.scratch(work / manifest["database"]) as alias:
            restored = database.counts(alias)
            for table in sorted(set(restored) | set(manifest["tables"])):
                if restored.get(table) != manifest["tables"].get(table):
                    result.problems.append(
                        say(
                            "%(table)s: バックアップ時 %(before)s 行、復元後 %(after)s 行",
                            table=table,
                            before=manifest["tables"].get(table),
                            after=restored.get(table),
                        )
                    )
            result.tables, result.rows = len(restored), sum(restored.values())
            result.events, broken = verify_chain(
                using=alias, archive=storage.FolderStorage(location=archive_dir)
            )
            if broken:
                result.problems.append(
                    say("監査証跡: イベント #%(seq)s: ", seq=broken.seq) + broken.reason
                )
            result.problems += _check_evidence(alias, evidence_dir, manifest["evidence"])
            result.evidence = len(manifest["evidence"])
    return result


def _untar(work: Path, name: str) -> Path:
    out = work / name.removesuffix(".tar")
    out.mkdir()
    with tarfile.open(work / name) as tar:
        tar.extractall(out, filter="data")
    return out


def _check_evidence(alias: str, directory: Path, expected: dict[str, str]) -> list[Text]:
    problems = []
    for fname, digest in expected.items():
        path = directory / fname
        if not path.is_file():
            problems.append(say("証跡ファイル %(name)s: ありません", name=fname))
        elif stream.sha256_of(path) != digest:
            problems.append(say("証跡ファイル %(name)s: SHA-256 が異なります", name=fname))
    rows = Evidence.objects.using(alias).filter(removed_at__isnull=True)
    for evidence in rows.only("stored_name", "sha256", "filename"):
        name = evidence.stored_name.hex
        path = directory / name
        if not path.is_file():
            problems.append(
                say(
                    "証跡ファイル %(name)s（%(file)s）: ファイルがありません",
                    name=name,
                    file=evidence.filename,
                )
            )
            continue
        try:
            plain = keys.unseal(path.read_bytes(), evidence.context)
        except keys.DecryptionError:
            problems.append(
                say("証跡ファイル %(name)s: FIELD_ENCRYPTION_KEYS の鍵で開けません", name=name)
            )
            continue
        if hashlib.sha256(plain).hexdigest() != evidence.sha256:
            problems.append(say("証跡ファイル %(name)s: 内容が記録と異なります", name=name))
    return problems


@dataclass
class Plan:
    generation: str
    tables: int
    rows: int
    evidence: int
    archive_files: int


def restore(generation: Path, *, dry_run: bool = False, force: bool = False) -> Plan:
    """Restore a generation into the configured database, EVIDENCE_DIR and
    AUDIT_ARCHIVE_DIR. Refuses a damaged or altered generation (naming the file), and a
    target that is not empty unless `force`. With `dry_run`, checks and tells only."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest = unpack(generation, work)
        if manifest["engine"] != database.engine():
            raise BackupError(
                say(
                    "%(file)s: %(engine)s のバックアップです。復元先のデータベースは %(target)s です。",
                    file=str(generation / MANIFEST),
                    engine=manifest["engine"],
                    target=database.engine(),
                )
            )
        evidence_dir, archive_dir = _untar(work, "evidence.tar"), _untar(work, "audit-archive.tar")
        plan = Plan(
            manifest["generation"], len(manifest["tables"]), sum(manifest["tables"].values()),
            len(list(evidence_dir.iterdir())), len(list(archive_dir.iterdir())),
        )  # fmt: skip
        targets = (storage.evidence(), storage.audit_archive())
        occupied = [_where(target) for target in targets if storage.names(target)]
        if not database.is_empty():
            occupied.insert(0, str(_("データベース")))
        if occupied and not force:
            raise BackupError(
                say(
                    "空ではありません: %(where)s（空のデータベースとフォルダに復元するか、--force で置き換えてください）",
                    where=", ".join(occupied),
                )
            )
        if dry_run:
            return plan
        database.restore(work / manifest["database"], replace=force)
        for source, target in zip((evidence_dir, archive_dir), targets, strict=True):
            if force:
                for old in storage.names(target):
                    target.delete(old)
            for path in sorted(source.iterdir()):
                with open(path, "rb") as f:
                    if target.save(path.name, File(f, path.name)) != path.name:
                        raise BackupError(
                            say(
                                "%(where)s: %(name)s を復元できませんでした。",
                                where=_where(target),
                                name=path.name,
                            )
                        )
    return plan


def _where(files: Storage) -> str:
    """A storage as the administrator knows it: its folder, where it has one."""
    return getattr(files, "location", "") or repr(files)
