"""Each municipality's own chain: verified alone, by `audit_verify --municipality CODE`,
across archive files; a change in one municipality's trail breaks its chain alone."""

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, override_settings

from kakunin.accounts.models import Organisation
from kakunin.audit import archive
from kakunin.audit.models import GENESIS_HASH, Event, MunicipalityChainHead
from kakunin.audit.trail import record
from kakunin.audit.verify import verify, verify_municipality
from kakunin.tenants.active import activated
from kakunin.tenants.models import Municipality


class MunicipalityChainTestCase(TestCase):
    def setUp(self):
        self.chiyoda = Municipality.default()
        self.minato = Municipality.objects.create(code="131032", name="港区")
        self.orgs = {}
        for municipality in (self.chiyoda, self.minato):
            self.orgs[municipality.code] = Organisation.objects.create(
                name="情報政策課", kind="ward", municipality=municipality
            )
        # Interleaved: 千代田区 3, 港区 2, the service 1 (a vendor's own event).
        for municipality in (self.chiyoda, self.minato, self.chiyoda, self.minato, self.chiyoda):
            with activated(municipality):
                record("test.event", self.orgs[municipality.code], changes={"n": [0, 1]})
        record("test.service", Organisation.objects.create(name="株式会社アルファ", kind="vendor"))

    def raw(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def events_of(self, municipality):
        return list(Event.objects.filter(municipality=municipality).order_by("seq"))

    def test_each_municipality_numbers_and_links_its_own_events(self):
        chiyoda = self.events_of(self.chiyoda)
        self.assertEqual([e.chain_seq for e in chiyoda], [1, 2, 3])
        self.assertEqual([e.seq for e in chiyoda], [1, 3, 5])
        self.assertEqual(chiyoda[0].chain_prev_hash, GENESIS_HASH)
        self.assertEqual(chiyoda[1].chain_prev_hash, chiyoda[0].chain_hash)
        self.assertEqual([e.chain_seq for e in self.events_of(self.minato)], [1, 2])
        service = Event.objects.get(action="test.service")
        self.assertEqual(
            (service.municipality, service.chain_seq, service.chain_hash), (None, None, "")
        )
        head = MunicipalityChainHead.objects.get(municipality=self.minato)
        self.assertEqual((head.seq, head.hash), (2, self.events_of(self.minato)[-1].chain_hash))
        self.assertEqual(verify_municipality(self.chiyoda), (3, None))
        self.assertEqual(verify_municipality(self.minato), (2, None))
        self.assertEqual(verify(), (6, None))

    def test_the_command_checks_one_municipality(self):
        out = StringIO()
        call_command("audit_verify", municipality="131032", stdout=out)
        self.assertIn("港区（131032）の監査証跡は正常です（2 件を検証）", out.getvalue())
        out = StringIO()
        call_command("audit_verify", stdout=out)
        self.assertIn("6 件を検証", out.getvalue())
        with self.assertRaisesMessage(CommandError, "検査数字"):
            call_command("audit_verify", municipality="131031")
        with self.assertRaisesMessage(CommandError, "登録されていません"):
            call_command("audit_verify", municipality="011002")

    def test_a_changed_event_breaks_its_municipality_alone(self):
        second = self.events_of(self.minato)[1]
        self.raw("UPDATE audit_event SET object_label = %s WHERE seq = %s", ["改ざん", second.seq])
        checked, broken = verify_municipality(self.minato)
        self.assertEqual((checked, broken.seq), (1, 2))
        self.assertEqual(verify_municipality(self.chiyoda), (3, None))
        with self.assertRaisesMessage(
            CommandError, "港区（131032）の監査証跡の改ざんを検出しました: イベント #2"
        ):
            call_command("audit_verify", municipality="131032")

    def test_an_event_moved_to_another_municipality_breaks_both(self):
        moved = self.events_of(self.chiyoda)[1]
        self.raw(
            "UPDATE audit_event SET municipality_id = %s, chain_seq = 3 WHERE seq = %s",
            [self.minato.pk, moved.seq],
        )
        self.assertEqual(verify_municipality(self.chiyoda)[1].seq, 2)
        self.assertEqual(verify_municipality(self.minato)[1].seq, 3)

    def test_removed_events_are_noticed(self):
        first, _second, newest = self.events_of(self.chiyoda)
        self.raw("DELETE FROM audit_event WHERE seq = %s", [newest.seq])
        self.assertEqual(verify_municipality(self.chiyoda)[1].seq, 3)
        self.assertIn("最新", str(verify_municipality(self.chiyoda)[1].reason))
        self.raw("DELETE FROM audit_event WHERE seq = %s", [first.seq])
        self.assertEqual(verify_municipality(self.chiyoda)[1].seq, 1)

    def test_it_verifies_across_archive_files_kept_and_purged(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        with override_settings(AUDIT_ARCHIVE_DIR=Path(tmp.name)):
            segment = archive.write_segment(list(Event.objects.order_by("seq")[:3]))
            self.assertEqual(segment.chains[str(self.minato.pk)][0], 1)
            with activated(self.minato):
                record("test.event", self.orgs["131032"])
            self.assertEqual(verify_municipality(self.chiyoda), (3, None))
            self.assertEqual(verify_municipality(self.minato), (3, None))
            self.assertEqual(verify()[1], None)
            # A purged file: the chain goes on from the file's record.
            segment.purged_at = segment.created_at
            segment.save(update_fields=["purged_at"])
            self.assertEqual(verify_municipality(self.minato), (2, None))
            self.assertEqual(verify_municipality(self.chiyoda), (1, None))
            # An event changed in a kept file breaks its municipality's chain there.
            segment.purged_at = None
            segment.save(update_fields=["purged_at"])
            rows = [e for e in archive.read_segment(segment)]
            rows[1].object_label = "改ざん"  # 港区's first
            data = "\n".join(archive._line(e) for e in rows) + "\n"
            import gzip
            import hashlib

            blob = gzip.compress(data.encode(), mtime=0)
            Path(tmp.name, segment.filename).write_bytes(blob)
            segment.sha256 = hashlib.sha256(blob).hexdigest()
            segment.save(update_fields=["sha256"])
            self.assertEqual(verify_municipality(self.minato)[1].seq, 1)
            self.assertEqual(verify_municipality(self.chiyoda), (3, None))
