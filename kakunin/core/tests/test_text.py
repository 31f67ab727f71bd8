"""Bidirectional control characters (RLO and kin) are refused wherever people type."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kakunin.assessments.models import State
from kakunin.forms_xlsx.actions import export_assessment
from kakunin.forms_xlsx.layout import column_number
from kakunin.forms_xlsx.models import FormImport
from testsupport.fixtures import BaseTestCase

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
