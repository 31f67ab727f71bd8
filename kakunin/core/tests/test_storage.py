"""Evidence files and the audit archive go only through Django's storage API
(STORAGES["evidence"], STORAGES["audit_archive"]): with another backend configured,
every write, read, backup and restore lands there and the folders stay empty. The
default folder storage writes each file whole (temporary name, fsync, rename)."""

import io
import os
import stat
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile, File
from django.core.files.storage import InMemoryStorage, storages
from django.core.management import call_command
from django.test import SimpleTestCase, override_settings

from kakunin.audit.actions import archive_events
from kakunin.audit.models import ArchiveSegment
from kakunin.audit.verify import verify
from kakunin.backups import generation
from kakunin.backups.tests.test_backups import BackupTestCase
from kakunin.core import storage
from kakunin.core.storage import FolderStorage
from kakunin.evidence.actions import read_evidence, remove_evidence

IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


class AnotherBackendTestCase(BackupTestCase):
    def setUp(self):
        from django.conf import settings

        stores = {**settings.STORAGES, "evidence": IN_MEMORY, "audit_archive": IN_MEMORY}
        overrides = override_settings(STORAGES=stores)
        overrides.enable()
        self.addCleanup(overrides.disable)
        super().setUp()  # an evidence file added

    def folders_are_empty(self):
        for name in ("evidence", "audit-archive"):
            self.assertEqual(list((self.root / name).iterdir()), [], name)

    def test_evidence_archive_backup_and_restore_go_through_the_configured_storage(self):
        name = self.evidence.stored_name.hex
        evidence, audit_archive = storages["evidence"], storages["audit_archive"]
        self.assertIsInstance(evidence, InMemoryStorage)
        self.assertTrue(evidence.exists(name))
        self.assertEqual(
            read_evidence(actor=self.bob, evidence=self.evidence), "パスワード規程".encode()
        )
        segments = archive_events(older_than_days=0)
        self.assertTrue(segments)
        self.assertEqual(storage.names(audit_archive), [s.filename for s in segments])
        self.assertIsNone(verify()[1])

        made = generation.make()
        manifest = generation.read_manifest(made)
        self.assertIn(name, manifest["evidence"])
        self.assertEqual(generation.verify(made).problems, [])

        self.folders_are_empty()
        evidence.delete(name)
        audit_archive.delete(segments[0].filename)
        self.assertIsNotNone(verify()[1])  # the chain misses its archive file
        call_command("restore", str(made), "--force", stdout=io.StringIO())
        self.assertTrue(evidence.exists(name))
        self.assertTrue(audit_archive.exists(segments[0].filename))
        self.assertIsNone(verify()[1])
        self.assertEqual(ArchiveSegment.objects.count(), len(segments))

        remove_evidence(actor=self.bob, evidence=self.evidence)
        self.assertFalse(evidence.exists(name))
        self.folders_are_empty()


class FolderStorageTestCase(SimpleTestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.root = Path(tmp.name)

    def test_a_file_is_written_whole_private_and_follows_the_setting(self):
        folder = self.root / "shared" / "evidence"
        with override_settings(EVIDENCE_DIR=folder):
            name = storage.evidence().save("abc", ContentFile(b"sealed"))
        self.assertEqual(name, "abc")
        self.assertEqual((folder / "abc").read_bytes(), b"sealed")
        self.assertEqual(os.listdir(folder), ["abc"])  # no temporary file left
        self.assertEqual(stat.S_IMODE((folder / "abc").stat().st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(folder.stat().st_mode), 0o700)

    def test_a_write_that_fails_midway_leaves_nothing(self):
        class Broken(io.BytesIO):
            def read(self, *args):
                if self.tell():
                    raise OSError("disk gone")
                return super().read(64 * 1024)

        files = FolderStorage(location=self.root)
        with self.assertRaisesMessage(OSError, "disk gone"):
            files.save("half", File(Broken(b"x" * 200_000), "half"))
        self.assertEqual(os.listdir(self.root), [])

    def test_the_archive_replaces_a_file_left_by_a_run_that_died_and_evidence_never_does(self):
        archive_files = FolderStorage(location=self.root, allow_overwrite=True)
        archive_files.save("audit-1-8.jsonl.gz", ContentFile(b"partial run"))
        archive_files.save("audit-1-8.jsonl.gz", ContentFile(b"whole"))
        self.assertEqual((self.root / "audit-1-8.jsonl.gz").read_bytes(), b"whole")
        evidence_files = FolderStorage(location=self.root)
        with self.assertRaises(FileExistsError):
            evidence_files._save("audit-1-8.jsonl.gz", ContentFile(b"other"))
        self.assertEqual((self.root / "audit-1-8.jsonl.gz").read_bytes(), b"whole")
        self.assertEqual(storage.names(FolderStorage(location=self.root / "none")), [])
