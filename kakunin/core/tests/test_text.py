"""Bidirectional control characters (RLO and kin) are refused wherever people type."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kakunin.api.models import Token
from kakunin.assessments.models import State
from kakunin.core.text import neutralise_bidi, neutralise_bidi_utf8
from kakunin.forms_xlsx.actions import export_assessment
from kakunin.forms_xlsx.layout import column_number
from kakunin.forms_xlsx.models import FormImport
from kakunin.inventory.models import Component
from testsupport.fixtures import PASSWORD, BaseTestCase

RLO = "\u202e"
SPOOF = f"対応済み{RLO}txt.exe"


class BidiControlsTestCase(BaseTestCase):
    def test_an_answer_with_an_rlo_is_refused_and_not_saved(self):
        self.client.force_login(self.bob)
        for field in ("text", "plan"):
            with self.subTest(field=field):
                r = self.client.post(
                    reverse("assessments:save_item", args=[self.assessment.pk, "pw-composition"]),
                    {"pw-composition-status": "partial", f"pw-composition-{field}": SPOOF,
                     "pw-composition-version": "0"},
                )  # fmt: skip
                self.assertContains(r, "文字の表示順を入れ替える制御文字", status_code=400)
                self.assertEqual(self.answer("pw-composition").version, 0)

    def test_an_excel_answer_with_an_rlo_is_refused_with_its_cell(self):
        self.client.force_login(self.bob)
        wb = openpyxl.load_workbook(
            io.BytesIO(export_assessment(actor=self.bob, assessment=self.assessment))
        )
        ws = wb["確認一覧表"]
        row = next(
            r
            for r in range(1, ws.max_row + 1)
            if ws.cell(r, column_number("key")).value == "pw-composition"
        )
        ws.cell(row, 5).value, ws.cell(row, 6).value = SPOOF, "対応済"
        out = io.BytesIO()
        wb.save(out)
        r = self.client.post(
            reverse("forms_xlsx:upload", args=[self.assessment.pk]),
            {"file": SimpleUploadedFile("f.xlsx", out.getvalue())},
        )
        self.assertContains(r, f"E{row}: 文字の表示順を入れ替える制御文字", status_code=400)
        self.assertFalse(FormImport.objects.exists())

    def test_a_comment_with_an_rlo_is_refused(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("reviews:comment", args=[self.assessment.pk, "pw-composition"]),
            {"body": SPOOF},
            headers={"HX-Request": "true"},
        )
        self.assertContains(r, "文字の表示順を入れ替える制御文字")
        self.assertFalse(self.answer("pw-composition").comments.exists())

    def test_a_verdict_comment_with_an_rlo_is_refused(self):
        self.assessment.state = State.IN_REVIEW
        self.assessment.save()
        self.client.force_login(self.rita)
        r = self.client.post(
            reverse("reviews:verdict", args=[self.assessment.pk, "pw-composition"]),
            {"verdict": "fix", "comment": SPOOF},
            headers={"HX-Request": "true"},
        )
        self.assertContains(r, "文字の表示順を入れ替える制御文字")
        self.assertEqual(self.answer("pw-composition").verdict, "")

    def test_names_with_an_rlo_are_refused(self):
        self.client.force_login(self.alice)
        r = self.client.post(reverse("systems:create"), {"name": f"システム{RLO}gpj.exe"})
        self.assertContains(r, "文字の表示順を入れ替える制御文字")


class OneTextRuleTestCase(BaseTestCase):
    """Issue 23.14: the rule holds for every form (a policy test keeps it so), for every
    imported file (test_inventory, test_ismap), and what was stored before is shown
    neutralised, never obeyed."""

    def test_a_token_name_with_an_rlo_is_refused_and_nothing_issued(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("tokens:issue"),
            {"name": f"SBOM{RLO}gpj.exe", "days": "30", "read_only": "on", "password": PASSWORD},
        )
        self.assertContains(r, "文字の表示順を入れ替える制御文字", status_code=400)
        self.assertFalse(Token.objects.exists())

    def test_a_kept_rlo_is_shown_as_a_replacement_character_on_pages(self):
        Component.objects.create(
            system=self.system, kind="os", product=f"RHEL{RLO}gpj.exe", version="9.4"
        )
        self.client.force_login(self.bob)
        for url in (
            reverse("inventory:system", args=[self.system.pk]),
            reverse("inventory:vulnerabilities"),
        ):
            with self.subTest(url=url):
                r = self.client.get(url)
                self.assertEqual(r.status_code, 200)
                page = r.content.decode()
                if url.endswith(f"/{self.system.pk}/"):
                    self.assertIn("RHEL\ufffdgpj.exe", page)
                self.assertNotIn(RLO, page)

    def test_bytes_and_text_neutralise_the_same_characters(self):
        every = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        self.assertEqual(neutralise_bidi(every), "\ufffd" * 12)
        self.assertEqual(neutralise_bidi_utf8(every.encode()), ("\ufffd" * 12).encode())
        ordinary = "確認 — 「はい」… ‘quote’ •"
        self.assertEqual(neutralise_bidi_utf8(ordinary.encode()), ordinary.encode())
