"""A municipality's data back when it leaves: one encrypted archive of its own rows,
evidence and audit chain, and nothing of any other municipality's; an archive
altered, cut short or opened with another key is refused by name."""

import base64
import io
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from kakunin.audit.models import Event
from kakunin.backups import municipal
from kakunin.evidence.actions import add_evidence
from kakunin.reviews.actions import add_comment
from kakunin.tenants.active import activated
from testsupport.fixtures import BaseTestCase, create_second_municipality

# What only 千代田区 has: none of it may be in 港区's archive.
CHIYODA_ONLY = ["子ども発達支援システム", "税務課", "alice", "dave", "rita", "adam", "audrey"]


class MunicipalExportTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        create_second_municipality(cls)

    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="kakunin-export-test-"))
        answer = self.minato_assessment.answers.get(item__key="pw-composition")
        with activated(self.minato):
            self.evidence = add_evidence(
                actor=self.bob, answer=answer,
                upload=SimpleUploadedFile("港区規程.txt", "港区のパスワード規程".encode()),
            )  # fmt: skip
            add_comment(actor=self.mika, answer=answer, body="港区からの質問です")
        self.key = bytes(range(32))

    def export(self, name="minato.kakunin"):
        out = self.tmp / name
        with activated(None):
            return municipal.export(self.minato, out, self.key), out

    def test_the_archive_holds_its_data_evidence_and_chain_and_nothing_else(self):
        _exported, out = self.export()
        opened = municipal.open_archive(out, self.key)
        self.assertEqual(opened.manifest["municipality"], {"code": "131032", "name": "港区"})
        data = opened.data
        systems = [row["fields"]["name"] for row in data["systems.System"]]
        self.assertEqual(systems, ["港区 子育て支援システム"])
        self.assertEqual(len(data["assessments.Answer"]), 83)
        self.assertEqual(
            opened.members[f"evidence/{self.evidence.sha256}"], "港区のパスワード規程".encode()
        )
        people = {row["fields"]["username"] for row in data["accounts.User"]}
        self.assertLessEqual({"mika", "mori", "masa"}, people)  # its staff
        self.assertFalse(people & {"alice", "dave", "rita", "adam", "audrey"})
        for row in data["accounts.User"]:
            self.assertNotIn("password", row["fields"])
        # Its events, its own chain, and the manifest's head.
        events = opened.events
        self.assertEqual(len(events), Event.objects.filter(municipality=self.minato).count())
        self.assertEqual([e["chain_seq"] for e in events], list(range(1, len(events) + 1)))
        self.assertEqual(opened.manifest["chain"]["hash"], events[-1]["chain_hash"])
        # Nothing of 千代田区, in any member, once decrypted.
        plain = b"".join(opened.members.values()).decode("utf-8", "replace")
        for word in CHIYODA_ONLY:
            self.assertNotIn(f'"{word}"', plain, "one of 千代田区's is in 港区's archive")
        self.assertNotIn(self.system.name, plain)
        # And nothing readable in the file itself.
        self.assertNotIn("港区".encode(), out.read_bytes())

    def test_another_key_an_altered_byte_or_a_cut_file_is_refused(self):
        _exported, out = self.export()
        with self.assertRaises(municipal.ArchiveRefused) as refused:
            municipal.open_archive(out, bytes(32))
        self.assertIn("鍵", refused.exception.text.ja)
        altered = self.tmp / "altered.kakunin"
        body = bytearray(out.read_bytes())
        body[len(body) // 2] ^= 1
        altered.write_bytes(bytes(body))
        with self.assertRaises(municipal.ArchiveRefused) as refused:
            municipal.open_archive(altered, self.key)
        self.assertIn("改変", refused.exception.text.ja)
        cut = self.tmp / "cut.kakunin"
        cut.write_bytes(out.read_bytes()[:-100])
        with self.assertRaises(municipal.ArchiveRefused):
            municipal.open_archive(cut, self.key)
        other = self.tmp / "other.txt"
        other.write_text("not an archive")
        with self.assertRaises(municipal.ArchiveRefused):
            municipal.open_archive(other, self.key)

    def test_the_command_prints_a_new_key_once_or_reads_one(self):
        out, printed = self.tmp / "a.kakunin", io.StringIO()
        call_command("export_municipality", "131032", "-o", str(out), stdout=printed)
        self.assertIn("港区（131032）のデータを", printed.getvalue())
        key = base64.b64decode(printed.getvalue().strip().splitlines()[-1])
        self.assertEqual(municipal.open_archive(out, key).manifest["counts"]["systems.System"], 1)
        self.assertTrue(Event.objects.filter(action="municipality.export").exists())
        key_file = self.tmp / "key"
        key_file.write_text(base64.b64encode(self.key).decode())
        call_command("export_municipality", "131032", "-o", str(self.tmp / "b.kakunin"),
                     "--key-file", str(key_file), stdout=io.StringIO())  # fmt: skip
        municipal.open_archive(self.tmp / "b.kakunin", self.key)

    def test_bad_arguments_are_refused_and_write_nothing(self):
        existing = self.tmp / "exists.kakunin"
        existing.write_bytes(b"keep me")
        bad_key = self.tmp / "bad-key"
        bad_key.write_text("short")
        for args, message in (
            (["131031", "-o", str(self.tmp / "x")], "検査数字"),
            (["011002", "-o", str(self.tmp / "x")], "登録されていません"),
            (["131032", "-o", str(existing)], "上書きはしません"),
            (["131032", "-o", str(self.tmp / "no" / "x")], "フォルダはありません"),
            (["131032", "-o", str(self.tmp / "x"), "--key-file", str(bad_key)], "32 バイト"),
        ):
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                call_command("export_municipality", *args, stdout=io.StringIO())
        self.assertEqual(existing.read_bytes(), b"keep me")
        self.assertFalse((self.tmp / "x").exists())
