"""A municipality leaves and comes back: export_municipality, purge_municipality,
import_municipality. Every row, file and event of its own returns, with numbers of
this service; nothing of the other municipality moves; both chains verify after."""

import base64
import io
import json
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from kakunin.accounts.models import Role
from kakunin.api.actions import issue_token
from kakunin.api.models import Token
from kakunin.assessments.actions import update_answer
from kakunin.assessments.models import Answer, AnswerRevision, AnswerScope, Assessment
from kakunin.audit.models import Event
from kakunin.audit.verify import verify, verify_municipality
from kakunin.backups import actions, municipal, municipal_import, municipal_purge
from kakunin.core import storage
from kakunin.evidence.actions import add_evidence, read_evidence
from kakunin.evidence.models import Evidence
from kakunin.inventory.models import Component, Finding, Vulnerability
from kakunin.library import actions as library_actions
from kakunin.library.models import Entry, FilledFrom
from kakunin.records.models import IsmapImport
from kakunin.reviews.actions import add_comment
from kakunin.reviews.models import Comment
from kakunin.service.actions import suspend_municipality
from kakunin.systems.models import System
from kakunin.tenants.active import activated, everywhere
from kakunin.tenants.models import Municipality
from testsupport.fixtures import (
    BaseTestCase,
    create_second_municipality,
    make_library,
    make_scan,
    make_user,
)

User = get_user_model()
MINATO = "131032"


def chiyoda_rows(test) -> dict:
    """What 千代田区 has: a purge and an import of 港区 leave every row of it alone."""
    with everywhere():
        return {
            "systems": list(System.objects.filter(municipality=test.chiyoda).values_list("pk", "name")),
            "answers": list(
                Answer.objects.filter(assessment__system__municipality=test.chiyoda)
                .order_by("pk").values_list("pk", "text", "status")
            ),
            "events": list(
                Event.objects.filter(municipality=test.chiyoda).values_list("seq", "hash")
            ),
            "people": list(User.objects.filter(municipality=test.chiyoda).values_list("pk", "username")),
        }  # fmt: skip


class MunicipalRoundTripTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        create_second_municipality(cls)
        cls.chiyoda = cls.system.municipality

    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="kakunin-round-trip-"))
        self.key = bytes(range(32))
        self.key_file = self.tmp / "key"
        self.key_file.write_text(base64.b64encode(self.key).decode())
        with activated(self.minato):
            answer = self.minato_assessment.answers.get(item__key="pw-composition")
            update_answer(actor=self.bob, answer=answer, source="web", expected_version=None,
                          values={"status": "done", "text": "港区向け: 12文字以上、3種混在"})  # fmt: skip
            self.evidence = add_evidence(
                actor=self.bob, answer=answer,
                upload=SimpleUploadedFile("港区規程.txt", "港区のパスワード規程".encode()),
            )  # fmt: skip
            add_comment(actor=self.mori, answer=answer, body="港区からの質問です")
            make_scan(self.minato_system, {"tls-version": "pass"})
            self.advisory = Vulnerability.objects.create(
                ident="CVE-2099-0001", source="nvd", title="港区だけが持つ製品の脆弱性", digest="x"
            )
            component = Component.objects.create(
                system=self.minato_system, kind="middleware", product="港区製品", version="1.0"
            )
            Finding.objects.create(
                component=component, vulnerability=self.advisory, first_seen=timezone.now()
            )
            # bob filled an answer from alpha's answer library (the library stays alpha's).
            self.product, self.entry, _kept = make_library(self.bob)
            library_actions.fill(actor=self.bob, assessment=self.minato_assessment,
                                 product=self.product, scope=AnswerScope.VENDOR_ITEMS,
                                 entries=[self.entry.pk])  # fmt: skip

    def export(self) -> Path:
        out = self.tmp / "minato.kakunin"
        call_command("export_municipality", MINATO, "-o", str(out), "--key-file",
                     str(self.key_file), stdout=io.StringIO())  # fmt: skip
        return out

    def purge(self) -> str:
        with everywhere():
            suspend_municipality(actor=None, municipality=self.minato)
        printed = io.StringIO()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("purge_municipality", MINATO, "--confirm", stdout=printed)
        return printed.getvalue()

    def load(self, archive: Path) -> str:
        printed = io.StringIO()
        call_command("import_municipality", str(archive), "--key-file", str(self.key_file),
                     stdout=printed)  # fmt: skip
        return printed.getvalue()

    def test_export_purge_import_brings_everything_back(self):
        # mori imported the service's ISMAP list: that record of the service names him.
        IsmapImport.objects.create(filename="ismap.csv", sha256="0" * 64, by=self.mori)
        with activated(self.minato):  # bob's token in 港区, beside his one in 千代田区
            minato_token, _secret = issue_token(actor=self.bob, user=self.bob, name="港区",
                                                days=30, read_only=True, with_totp=False)  # fmt: skip
        with activated(self.chiyoda):
            chiyoda_token, _secret = issue_token(actor=self.bob, user=self.bob, name="千代田区",
                                                 days=30, read_only=True, with_totp=False)  # fmt: skip
        archive = self.export()
        manifest = municipal.open_archive(archive, self.key).manifest
        chiyoda_before = chiyoda_rows(self)
        old_file = self.evidence.stored_name.hex
        bob_pk, alpha_pk = self.bob.pk, self.alpha.pk

        record = self.purge()
        self.assertIn("消去記録", record)
        self.assertIn("港区（131032）", record)
        with everywhere():
            self.assertFalse(Municipality.objects.filter(code=MINATO).exists())
            self.assertFalse(System.objects.filter(name__startswith="港区").exists())
            self.assertFalse(User.objects.filter(username__in=["mika", "mori", "masa"]).exists())
            emptied = User.objects.get(pk=self.mori.pk)  # named by the service: emptied
            self.assertEqual((emptied.username, emptied.email, emptied.full_name),
                             (f"erased-{self.mori.pk}", "", ""))  # fmt: skip
            self.assertFalse(emptied.is_active or emptied.has_usable_password())
            self.assertFalse(Comment.objects.filter(body="港区からの質問です").exists())
            self.assertFalse(Event.objects.filter(object_label__contains="港区 子育て").exists())
        self.assertFalse(storage.evidence().exists(old_file), "the evidence file stays")
        self.assertFalse(Token.objects.filter(pk=minato_token.pk).exists())
        self.assertTrue(Token.objects.filter(pk=chiyoda_token.pk).exists())
        self.assertEqual(chiyoda_rows(self), chiyoda_before)
        with everywhere():
            self.assertFalse(FilledFrom.objects.exists())
        self.assertEqual(Entry.objects.get().pk, self.entry.pk, "the library is alpha's: it stays")
        self.assertIsNone(verify()[1], "the service's chain breaks at the erasure")
        self.assertIsNone(verify_municipality(self.chiyoda)[1])
        # The advisory was 港区's alone: the import brings it back from the archive.
        Vulnerability.objects.filter(pk=self.advisory.pk).delete()

        said = self.load(archive)
        self.assertIn("港区（131032）を読み込みました", said)
        self.assertIn("パスワードの再設定", said)
        minato = Municipality.objects.get(code=MINATO)
        self.assertFalse(minato.is_suspended)
        with activated(minato):
            system = System.objects.get()
            self.assertEqual(system.name, "港区 子育て支援システム")
            self.assertEqual({v.pk for v in system.vendors.all()}, {alpha_pk, self.beta.pk})
            assessment = Assessment.objects.get()
            answer = assessment.answers.get(item__key="pw-composition")
            self.assertEqual(answer.text, "港区向け: 12文字以上、3種混在")
            self.assertEqual(answer.updated_by_id, bob_pk, "the vendor person is one here too")
            self.assertTrue(AnswerRevision.objects.filter(answer=answer).exists())
            self.assertEqual(answer.comments.get().body, "港区からの質問です")
            evidence = Evidence.objects.get(answer=answer)
            self.assertEqual(read_evidence(actor=self.bob, evidence=evidence),
                             "港区のパスワード規程".encode())  # fmt: skip
            self.assertNotEqual(evidence.stored_name.hex, old_file)
            self.assertEqual(Finding.objects.get().vulnerability.ident, "CVE-2099-0001")
            self.assertEqual(system.scans.get().results.count(), 1)
            # Where the filled answer came from is back; the library did not leave.
            source = FilledFrom.objects.get()
            self.assertEqual(
                (source.product, source.control.key), ("施設予約クラウド（v5）", "tls-version")
            )
            self.assertIsNone(source.entry)
            self.assertEqual(source.answer.text, self.entry.text)
        self.assertEqual(Entry.objects.count(), 1)
        mika = User.objects.get(username="mika")
        self.assertEqual(mika.municipality, minato)
        self.assertFalse(mika.has_usable_password())
        # Every row of the manifest is back.
        with everywhere():
            after = municipal.rows_of(minato)
        for label, count in manifest["counts"].items():
            if label not in ("audit.Event", "accounts.User", "accounts.Organisation"):
                with self.subTest(label=label):
                    self.assertEqual(len(after[label]), count)
        # Its chain came back whole and goes on; the service's chain holds.
        checked, broken = verify_municipality(minato)
        self.assertIsNone(broken)
        # Its own events, then the import's and the download above.
        self.assertEqual(checked, manifest["counts"]["audit.Event"] + 2)
        self.assertIsNone(verify()[1])
        self.assertEqual(chiyoda_rows(self), chiyoda_before)
        printed = io.StringIO()
        call_command("audit_verify", "--municipality", MINATO, stdout=printed)
        self.assertIn("港区（131032）の監査証跡は正常です", printed.getvalue())

    def test_an_erased_place_the_erasure_does_not_account_for_breaks_the_chain(self):
        self.export()
        self.purge()
        self.assertIsNone(verify()[1])
        key = Event.objects.filter(action="erased").first().changes["erasure"]
        # Someone empties one of 千代田区's events under the erasure's name.
        victim = Event.objects.filter(municipality=self.chiyoda).order_by("seq").first()
        Event.objects.filter(pk=victim.pk)._erase(key)
        _checked, broken = verify()
        self.assertIsNotNone(broken)
        self.assertIn("消去の記録", broken.reason.ja)

    def test_an_import_over_a_municipality_that_is_here_is_refused_and_changes_nothing(self):
        archive = self.export()
        events, files = Event.objects.count(), sorted(storage.evidence().listdir("")[1])
        with self.assertRaisesMessage(CommandError, "すでにこのサービスにあります"):
            self.load(archive)
        self.assertEqual(Event.objects.count(), events)
        self.assertEqual(sorted(storage.evidence().listdir("")[1]), files)

    def test_an_altered_archive_or_another_key_is_refused(self):
        archive = self.export()
        self.purge()
        altered = self.tmp / "altered.kakunin"
        body = bytearray(archive.read_bytes())
        body[len(body) // 2] ^= 1
        altered.write_bytes(bytes(body))
        with self.assertRaisesMessage(CommandError, "何も読み込んでいません"):
            self.load(altered)
        self.key_file.write_text(base64.b64encode(bytes(32)).decode())
        with self.assertRaisesMessage(CommandError, "鍵"):
            self.load(archive)
        self.assertFalse(Municipality.objects.filter(code=MINATO).exists())

    def opened_without_minato(self) -> municipal.Opened:
        archive = self.export()
        opened = municipal.open_archive(archive, self.key)
        self.purge()
        return opened

    def test_a_staff_id_taken_here_is_refused_and_nothing_is_left_behind(self):
        opened = self.opened_without_minato()
        make_user("mori", Role.VENDOR, self.alpha)  # a vendor person here took the ID
        files = sorted(storage.evidence().listdir("")[1])
        with self.assertRaises(municipal.ArchiveRefused) as refused:
            actions.import_municipality(opened=opened)
        self.assertIn("mori", refused.exception.text.ja)
        self.assertFalse(Municipality.objects.filter(code=MINATO).exists())
        self.assertEqual(sorted(storage.evidence().listdir("")[1]), files, "a sealed file stays")

    def test_a_form_not_loaded_here_is_refused_by_name(self):
        opened = self.opened_without_minato()
        references = json.loads(opened.members["references.json"])
        for ref in references["catalog.Template"].values():
            ref["version"] = "99"
        opened.members["references.json"] = json.dumps(references).encode()
        with self.assertRaises(municipal.ArchiveRefused) as refused:
            municipal_import.load(opened)
        self.assertIn("読み込まれていない様式", refused.exception.text.ja)
        self.assertIn("第99版", refused.exception.text.ja)
        self.assertFalse(Municipality.objects.filter(code=MINATO).exists())

    def test_a_municipality_in_service_is_not_purged_and_without_confirm_nothing_is(self):
        printed = io.StringIO()
        call_command("purge_municipality", MINATO, stdout=printed)
        self.assertIn("何も消去していません", printed.getvalue())
        with self.assertRaisesMessage(CommandError, "利用停止されていません"):
            call_command("purge_municipality", MINATO, "--confirm", stdout=io.StringIO())
        with everywhere():
            self.assertTrue(System.objects.filter(municipality=self.minato).exists())
        with self.assertRaises(municipal_purge.PurgeRefused):
            actions.purge_municipality(municipality=self.minato)

    def test_a_chain_whose_first_events_were_purged_there_verifies_from_where_it_starts(self):
        opened = self.opened_without_minato()
        lines = opened.members["events.jsonl"].decode().splitlines()
        self.assertGreater(len(lines), 2)
        # The first two left the other Kakunin past their retention period.
        opened.members["events.jsonl"] = ("\n".join(lines[2:]) + "\n").encode()
        imported = municipal_import.load(opened)
        checked, broken = verify_municipality(imported.municipality)
        self.assertIsNone(broken)
        self.assertEqual(checked, len(lines) - 2)
        self.assertIsNone(verify()[1])
