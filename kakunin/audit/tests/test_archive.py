import gzip
import subprocess
import sys
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.utils import timezone

from kakunin.accounts.models import Organisation
from kakunin.audit.models import GENESIS_HASH, ArchiveSegment, ChainHead, Event
from kakunin.audit.trail import record
from kakunin.audit.verify import verify


class ArchiveTestCase(TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        override = override_settings(AUDIT_ARCHIVE_DIR=Path(self.tmp.name))
        override.enable()
        self.addCleanup(override.disable)
        org = Organisation.objects.create(name="課", kind="ward")
        for i in range(12):
            record("test.event", org, changes={"i": [i, i + 1]})
        # The first eight are old.
        old = timezone.now() - timedelta(days=400)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_event SET at = %s WHERE seq <= 8", [old])
        # Changing `at` broke those hashes; rebuild the chain as if they had been written then.
        self.rechain()

    def rechain(self):
        prev = GENESIS_HASH
        for event in Event.objects.order_by("seq"):
            event.prev_hash = prev
            event.hash = event.compute_hash()
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE audit_event SET prev_hash = %s, hash = %s WHERE seq = %s",
                    [event.prev_hash, event.hash, event.seq],
                )
            prev = event.hash
        ChainHead.objects.filter(pk=1).update(seq=event.seq, hash=prev)

    def test_it_moves_old_events_into_a_compressed_file_and_the_chain_still_verifies(self):
        self.assertEqual(verify(), (12, None))
        out = StringIO()
        call_command("audit_archive", "--older-than", "365", stdout=out)
        self.assertIn("8 件をアーカイブしました", out.getvalue())
        self.assertFalse(Event.objects.filter(seq__lte=8).exists())
        segment = ArchiveSegment.objects.get()
        self.assertEqual((segment.first_seq, segment.last_seq, segment.count), (1, 8, 8))
        lines = (
            gzip.decompress((Path(self.tmp.name) / segment.filename).read_bytes())
            .decode()
            .splitlines()
        )
        self.assertEqual(len(lines), 8)
        checked, broken = verify()
        self.assertIsNone(broken)
        self.assertEqual(checked, 13)  # 8 archived + 4 left + the archive event itself
        out = StringIO()
        call_command("audit_verify", stdout=out)
        self.assertIn("13 件を検証", out.getvalue())

    def test_a_changed_archive_file_is_named(self):
        call_command("audit_archive", "--older-than", "365", stdout=StringIO())
        segment = ArchiveSegment.objects.get()
        path = Path(self.tmp.name) / segment.filename
        data = gzip.decompress(path.read_bytes()).decode().replace('"i": [3, 4]', '"i": [3, 5]')
        path.write_bytes(gzip.compress(data.encode()))
        _checked, broken = verify()
        self.assertEqual(broken.seq, 1)
        self.assertIn("が変更されています", broken.reason.ja)
        with self.assertRaisesMessage(CommandError, "#1"):
            call_command("audit_verify", stdout=StringIO())

    def test_a_missing_archive_file_is_named(self):
        call_command("audit_archive", "--older-than", "365", stdout=StringIO())
        (Path(self.tmp.name) / ArchiveSegment.objects.get().filename).unlink()
        self.assertIn("がありません", verify()[1].reason.ja)

    def test_purging_keeps_the_chain_verifiable_and_respects_retention(self):
        call_command("audit_archive", "--older-than", "365", stdout=StringIO())
        call_command("audit_archive", "--older-than", "365", "--purge-expired", stdout=StringIO())
        self.assertIsNone(ArchiveSegment.objects.get().purged_at)  # 400 days < 730: kept
        ArchiveSegment.objects.update(last_at=timezone.now() - timedelta(days=800))
        call_command("audit_archive", "--older-than", "365", "--purge-expired", stdout=StringIO())
        segment = ArchiveSegment.objects.get()
        self.assertIsNotNone(segment.purged_at)
        self.assertFalse((Path(self.tmp.name) / segment.filename).exists())
        self.assertIsNone(verify()[1])

    def test_a_dry_run_says_what_would_be_archived_and_purged_and_changes_nothing(self):
        def dry_run(*extra):
            out = StringIO()
            call_command("audit_archive", "--older-than", "365", "--dry-run", *extra, stdout=out)
            return out.getvalue()

        text = dry_run()
        self.assertIn("audit-000000000001-000000000008.jsonl.gz: #1–#8（8 件", text)
        self.assertIn("8 件をアーカイブします", text)
        self.assertEqual(Event.objects.count(), 12)  # not even an audit event
        self.assertFalse(ArchiveSegment.objects.exists())
        self.assertEqual(list(Path(self.tmp.name).iterdir()), [])
        self.assertEqual(verify(), (12, None))

        call_command("audit_archive", "--older-than", "365", stdout=StringIO())
        ArchiveSegment.objects.update(last_at=timezone.now() - timedelta(days=800))
        text = dry_run("--purge-expired")
        self.assertIn("0 件をアーカイブします", text)
        self.assertIn("削除します: audit-000000000001-000000000008.jsonl.gz", text)
        self.assertIsNone(ArchiveSegment.objects.get().purged_at)
        self.assertTrue((Path(self.tmp.name) / ArchiveSegment.objects.get().filename).exists())
        self.assertEqual(verify(), (13, None))

    def test_bad_arguments_are_explained(self):
        with self.assertRaisesMessage(CommandError, "1以上"):
            call_command("audit_archive", "--older-than", "0")


class RetentionSettingTestCase(TestCase):
    def test_less_than_two_years_is_refused_at_start(self):
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "kakunin.settings", "DEBUG": "1", "AUDIT_RETENTION_DAYS": "365"},
            capture_output=True, text=True, cwd=settings.BASE_DIR, check=False,
        )  # fmt: skip
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("AUDIT_RETENTION_DAYS must be at least 730", result.stderr)
