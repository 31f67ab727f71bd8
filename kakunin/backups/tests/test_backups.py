"""Kakunin's own backups: a generation written, rotated, copied off-site, verified by
restoring it into a scratch database, restored, and refused when damaged. On the
suite's database (SQLite or PostgreSQL), with committed data (TransactionTestCase:
the backup reads what other connections see)."""

import base64
import io
import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings

from kakunin.audit.models import Event
from kakunin.audit.trail import record
from kakunin.backups import generation, stream
from kakunin.backups.actions import run_backup, run_verify
from kakunin.evidence.actions import add_evidence
from kakunin.evidence.models import Evidence
from kakunin.monitoring.models import Alert, Heartbeat
from kakunin.systems.models import System
from testsupport.fixtures import create_world

KEY = base64.b64encode(os.urandom(32)).decode()


class BackupTestCase(TransactionTestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.root = Path(tmp.name)
        paths = {
            "BACKUP_DIR": self.root / "backups",
            "EVIDENCE_DIR": self.root / "evidence",
            "AUDIT_ARCHIVE_DIR": self.root / "audit-archive",
        }
        for path in paths.values():
            path.mkdir()
        overrides = override_settings(
            **paths, BACKUP_KEY=KEY, BACKUP_GENERATIONS=3, BACKUP_OFFSITE_DIR=""
        )
        overrides.enable()
        self.addCleanup(overrides.disable)
        create_world(self)
        self.evidence = add_evidence(
            actor=self.bob,
            answer=self.assessment.answers.first(),
            upload=SimpleUploadedFile("規程.txt", "パスワード規程".encode()),
        )

    def generation(self) -> Path:
        return generation.make()


class MakeTestCase(BackupTestCase):
    def test_a_generation_holds_every_part_encrypted_and_a_manifest(self):
        made = self.generation()
        names = sorted(p.name for p in made.iterdir())
        self.assertEqual(len(names), 4)
        self.assertIn("manifest.json", names)
        self.assertIn("evidence.tar", names)
        manifest = generation.read_manifest(made)
        self.assertEqual(manifest["tables"]["systems_system"], 1)
        self.assertIn(self.evidence.stored_name.hex, manifest["evidence"])
        for name in names:
            data = (made / name).read_bytes()
            self.assertTrue(data.startswith(stream.MAGIC), name)
            # Nothing readable inside: not the system's name, not the manifest's words.
            self.assertFalse("子ども発達支援システム".encode() in data)
            self.assertFalse(b"systems_system" in data)
            # Only Kakunin's user opens them, whatever the umask (issue 23.14).
            self.assertEqual(stat.S_IMODE((made / name).stat().st_mode), 0o600, name)
        self.assertEqual(stat.S_IMODE(made.stat().st_mode), 0o700)

    def test_the_field_keys_are_never_inside(self):
        made = self.generation()
        with tempfile.TemporaryDirectory() as tmp:
            generation.unpack(made, Path(tmp))
            for path in Path(tmp).iterdir():
                for key in settings.FIELD_ENCRYPTION_KEYS.split(","):
                    self.assertFalse(key.split(":")[1].encode() in path.read_bytes(), path.name)

    def test_older_generations_are_removed_and_each_is_copied_off_site(self):
        offsite = self.root / "offsite"
        made = []
        with override_settings(BACKUP_OFFSITE_DIR=str(offsite)):
            for second in range(5):
                with self.subTest(second=second):
                    (self.root / "backups" / f"2026010{second + 1}T000000Z").mkdir()
            made.append(self.generation())
        kept = [p.name for p in generation.generations()]
        self.assertEqual(len(kept), 3)
        self.assertEqual(kept[-1], made[-1].name)
        self.assertEqual([p.name for p in generation.generations(offsite)], [made[-1].name])
        self.assertEqual(
            sorted(p.name for p in (offsite / made[-1].name).iterdir()),
            sorted(p.name for p in made[-1].iterdir()),
        )

    def test_a_missing_or_bad_key_is_refused(self):
        for key in ("", "not-base64!", base64.b64encode(b"short").decode()):
            with self.subTest(key=key), override_settings(BACKUP_KEY=key):
                with self.assertRaisesMessage(ImproperlyConfigured, "BACKUP_KEY"):
                    self.generation()
        self.assertEqual(generation.generations(), [])

    def test_a_failed_backup_is_recorded_and_alerts(self):
        with override_settings(BACKUP_KEY=""), self.assertRaises(ImproperlyConfigured):
            run_backup()
        beat = Heartbeat.objects.get(name="backup")
        self.assertFalse(beat.ok)
        self.assertEqual(Alert.objects.get().kind, "backup_failed")
        health = self.client.get("/healthz").json()
        self.assertEqual(health["backup"]["result"], "fail")


class VerifyTestCase(BackupTestCase):
    def test_a_good_generation_verifies(self):
        made = run_backup()
        result = run_verify()
        self.assertEqual(result.problems, [])
        self.assertEqual(result.generation, made.name)
        self.assertGreater(result.events, 0)
        self.assertEqual(result.evidence, 1)
        health = self.client.get("/healthz").json()
        self.assertEqual(
            (health["backup"]["result"], health["backup-verify"]["result"]), ("ok", "ok")
        )
        self.client.force_login(self.adam)
        page = self.client.get("/alerts/").content.decode()
        self.assertIn(made.name, page)
        self.assertEqual(page.count("正常"), 2)

    def test_it_names_an_evidence_file_that_no_longer_opens(self):
        (self.root / "evidence" / self.evidence.stored_name.hex).write_bytes(b"changed on disk")
        result = generation.verify(self.generation())
        self.assertEqual(
            [p.ja for p in result.problems],
            [
                f"証跡ファイル {self.evidence.stored_name.hex}: FIELD_ENCRYPTION_KEYS の鍵で開けません"
            ],
        )

    def test_it_names_a_table_whose_rows_differ_from_the_manifest(self):
        made = self.generation()
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "manifest.json"
            stream.decrypt(
                made / "manifest.json", plain, generation.backup_key(), f"{made.name}/manifest.json"
            )
            manifest = json.loads(plain.read_text())
            manifest["tables"]["systems_system"] = 2
            plain.write_text(json.dumps(manifest))
            stream.encrypt(
                plain, made / "manifest.json", generation.backup_key(), f"{made.name}/manifest.json"
            )
        self.assertEqual(
            [p.ja for p in generation.verify(made).problems],
            ["systems_system: バックアップ時 2 行、復元後 1 行"],
        )

    def test_it_names_a_break_in_the_audit_chain(self):
        event = Event.objects.order_by("seq").first()
        with connection.cursor() as cursor:  # past the trail's append-only guard
            cursor.execute(
                "UPDATE audit_event SET object_label = %s WHERE seq = %s", ["改ざん", event.seq]
            )
        problems = generation.verify(self.generation()).problems
        self.assertEqual(
            [p.ja for p in problems],
            [f"監査証跡: イベント #{event.seq}: 内容がハッシュと一致しません"],
        )

    def test_a_damaged_generation_fails_naming_the_file(self):
        made = self.generation()
        target = made / "evidence.tar"
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
        result = run_verify(made)
        self.assertFalse(result.ok)
        self.assertIn("evidence.tar: ", result.problems[0].ja)
        self.assertIn("バイト目からの部分が改変されているか壊れています", result.problems[0].ja)
        self.assertEqual(Alert.objects.get().kind, "backup_failed")

    def test_the_command_reports(self):
        call_command("backup", stdout=io.StringIO())
        out = io.StringIO()
        call_command("backup", "--verify", stdout=out)
        self.assertIn("OK", out.getvalue())
        made = generation.generations()[-1]
        (made / "manifest.json").write_bytes(b"KAKUNIN-BACKUP-1\nbroken")
        with self.assertRaisesMessage(CommandError, "問題が 1 件あります"):
            call_command("backup", "--verify", stdout=io.StringIO(), stderr=io.StringIO())


def encrypt_first_format(plain: bytes, dst: Path, key: bytes, label: str) -> None:
    """A file as Kakunin wrote them before generations named themselves
    (KAKUNIN-BACKUP-1): sealed under the folder's name, which the file does not carry."""
    aes, prefix = AESGCM(key), os.urandom(8)
    chunks = [plain[i : i + stream.CHUNK] for i in range(0, len(plain), stream.CHUNK)] or [b""]
    out = stream.MAGIC_V1 + prefix
    for index, chunk in enumerate(chunks):
        aad = stream._aad(label, index, index == len(chunks) - 1)
        sealed = aes.encrypt(prefix + index.to_bytes(4, "big"), chunk, aad)
        out += len(sealed).to_bytes(4, "big") + sealed
    dst.write_bytes(out)


class FolderNameTestCase(BackupTestCase):
    """Issue 23.5: recovery copies folders under any name; a generation names itself,
    and a refusal says what is wrong (another key, another file, cut short)."""

    def copy(self, made: Path, name: str) -> Path:
        target = self.root / "copies" / name
        shutil.copytree(made, target)
        return target

    def test_a_generation_copied_under_another_name_verifies_and_restores(self):
        made = self.generation()
        copy = self.copy(made, "kakunin-backup-copy")
        result = generation.verify(copy)
        self.assertEqual(result.problems, [])
        self.assertEqual(result.generation, "kakunin-backup-copy")
        out = io.StringIO()
        call_command("restore", str(copy), "--dry-run", "--force", stdout=out)
        self.assertIn(f"{made.name}: ", out.getvalue())  # the generation it is, by its own name
        System.objects.filter(pk=self.system.pk).update(name="後から変えた名前")
        call_command("restore", str(copy), "--force", stdout=io.StringIO())
        self.assertEqual(System.objects.get(pk=self.system.pk).name, "子ども発達支援システム")

    def refusal(self, path: Path) -> str:
        with self.assertRaises(CommandError) as caught:
            call_command("restore", str(path), "--dry-run", "--force", stdout=io.StringIO())
        return str(caught.exception)

    def test_each_refusal_says_what_is_wrong(self):
        first = self.generation()
        time.sleep(1.1)  # a generation is named by its second
        second = self.generation()
        database_file = next(p.name for p in first.iterdir() if p.name.startswith("database."))
        with override_settings(BACKUP_KEY=base64.b64encode(os.urandom(32)).decode()):
            self.assertIn(
                "manifest.json: 別の BACKUP_KEY で暗号化されています", self.refusal(first)
            )
        # A file of another generation put in this one's place.
        mixed = self.copy(second, "mixed")
        shutil.copy(first / database_file, mixed / database_file)
        message = self.refusal(mixed)
        self.assertIn(f"{database_file}: 別のファイル（{first.name}/{database_file}）です", message)
        # A copy that stopped half-way.
        cut = self.copy(second, "cut")
        data = (cut / "evidence.tar").read_bytes()
        (cut / "evidence.tar").write_bytes(data[: len(data) - 10])
        self.assertIn("evidence.tar: 途中で切れています", self.refusal(cut))
        # A byte changed inside.
        changed = self.copy(second, "changed")
        data = bytearray((changed / "evidence.tar").read_bytes())
        data[len(data) // 2] ^= 0x01
        (changed / "evidence.tar").write_bytes(bytes(data))
        self.assertIn("バイト目からの部分が改変されているか壊れています", self.refusal(changed))
        # Not a backup file at all.
        foreign = self.copy(second, "foreign")
        (foreign / "manifest.json").write_text("{}")
        self.assertIn("Kakunin のバックアップファイルではありません", self.refusal(foreign))

    def test_a_generation_of_the_first_format_restores_under_its_own_name_only(self):
        made = self.generation()
        key = generation.backup_key()
        manifest = generation.read_manifest(made)
        old = self.root / "old" / made.name
        old.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            for fname in manifest["files"]:
                plain = Path(tmp) / fname
                stream.decrypt(made / fname, plain, key, f"{made.name}/{fname}")
                encrypt_first_format(plain.read_bytes(), old / fname, key, f"{made.name}/{fname}")
                manifest["files"][fname]["sha256"] = stream.sha256_of(old / fname)
        encrypt_first_format(
            json.dumps(manifest).encode(), old / "manifest.json", key, f"{made.name}/manifest.json"
        )
        self.assertEqual(generation.verify(old).problems, [])
        renamed = self.copy(old, "renamed")
        message = self.refusal(renamed)
        self.assertIn("作成時のフォルダ名", message)
        self.assertIn("フォルダ名を元に戻してください", message)


class RestoreTestCase(BackupTestCase):
    def test_it_refuses_a_target_that_is_not_empty(self):
        made = self.generation()
        with self.assertRaisesMessage(CommandError, "空ではありません: データベース"):
            call_command("restore", str(made), stdout=io.StringIO())
        out = io.StringIO()
        call_command("restore", str(made), "--dry-run", "--force", stdout=out)
        self.assertIn("変更なし", out.getvalue())

    def test_force_brings_back_what_was_backed_up(self):
        made = self.generation()
        events = Event.objects.count()
        System.objects.filter(pk=self.system.pk).update(name="後から変えた名前")
        record("test.change", self.system)
        (self.root / "evidence" / self.evidence.stored_name.hex).unlink()
        call_command("restore", str(made), "--force", stdout=io.StringIO())
        self.assertEqual(System.objects.get(pk=self.system.pk).name, "子ども発達支援システム")
        self.assertEqual(Event.objects.count(), events + 1)  # and the restore itself
        self.assertTrue((self.root / "evidence" / self.evidence.stored_name.hex).is_file())
        self.assertTrue(Evidence.objects.filter(pk=self.evidence.pk).exists())
        call_command("audit_verify", stdout=io.StringIO())

    def test_a_damaged_generation_is_refused_naming_the_file(self):
        made = self.generation()
        database_file = next(p for p in made.iterdir() if p.name.startswith("database."))
        with open(database_file, "r+b") as f:
            f.seek(100)
            f.write(b"\x00\x01\x02")
        with self.assertRaisesMessage(CommandError, database_file.name):
            call_command("restore", str(made), "--force", stdout=io.StringIO())
        self.assertEqual(System.objects.count(), 1)
        with self.assertRaisesMessage(CommandError, "世代のフォルダがありません"):
            call_command("restore", str(self.root / "nothing"), stdout=io.StringIO())
