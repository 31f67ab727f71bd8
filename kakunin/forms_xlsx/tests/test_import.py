import datetime
import io
import re
import zipfile
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from kakunin.assessments.models import AnswerRevision
from kakunin.audit.models import Event
from kakunin.forms_xlsx.actions import export_assessment
from kakunin.forms_xlsx.layout import column_number
from kakunin.forms_xlsx.models import FormImport
from testsupport.fixtures import BaseTestCase, lying_zip

KEY = column_number("key")


class FormTestCase(BaseTestCase):
    """Uploading forms built from the export; no tests of its own."""

    def setUp(self):
        self.client.force_login(self.bob)
        self.blank = export_assessment(actor=self.alice, assessment=self.assessment)

    def workbook(self, data: bytes | None = None):
        wb = openpyxl.load_workbook(io.BytesIO(data or self.blank))
        return wb, wb["確認一覧表"]

    def row(self, ws, key: str) -> int:
        return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, KEY).value == key)

    def fill(self, answers: dict, meta: dict | None = None, edit=None) -> bytes:
        wb, ws = self.workbook()
        for key, (status, text) in answers.items():
            r = self.row(ws, key)
            ws.cell(r, 6).value = status
            ws.cell(r, 5).value = text
        for key, value in (meta or {}).items():
            for cells in wb["_kakunin"].iter_rows():
                if cells[0].value == key:
                    cells[1].value = value
        if edit:
            edit(wb, ws)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def upload(self, data: bytes, name="filled.xlsx"):
        url = reverse("forms_xlsx:upload", args=[self.assessment.pk])
        return self.client.post(url, {"file": SimpleUploadedFile(name, data)})

    def assert_refused(self, data: bytes, message: str):
        before = list(self.assessment.answers.values_list("status", "text", "version"))
        r = self.upload(data)
        self.assertEqual(r.status_code, 400)
        self.assertContains(
            r, "このファイルは取り込めません。回答は変更していません。", status_code=400
        )
        self.assertContains(r, message, status_code=400)
        self.assertEqual(
            list(self.assessment.answers.values_list("status", "text", "version")), before
        )
        self.assertFalse(FormImport.objects.exists())
        return r


class ImportTestCase(FormTestCase):
    def test_it_previews_then_applies_on_confirmation(self):
        data = self.fill(
            {
                "pw-composition": ("対応済", "12桁以上、英大小数字"),
                "pw-rotation": ("一部対応", "年1回"),
            }
        )
        r = self.upload(data)
        staged = FormImport.objects.get()
        self.assertRedirects(r, reverse("forms_xlsx:preview", args=[self.assessment.pk, staged.pk]))
        r = self.client.get(r.url)
        self.assertContains(r, "2 件の回答が変わります。まだ反映していません。")
        self.assertContains(r, "12桁以上、英大小数字")
        self.assertContains(r, "対応済")
        self.assertEqual(self.answer("pw-composition").status, "")

        decide = reverse("forms_xlsx:decide", args=[self.assessment.pk, staged.pk])
        r = self.client.post(decide, {"decision": "apply"}, follow=True)
        self.assertContains(r, "2 件の回答を反映しました")
        answer = self.answer("pw-composition")
        self.assertEqual(
            (answer.status, answer.text, answer.updated_by),
            ("done", "12桁以上、英大小数字", self.bob),
        )
        self.assertEqual(answer.revisions.get().source, AnswerRevision.Source.IMPORT)
        actions = list(Event.objects.order_by("seq").values_list("action", flat=True))
        self.assertEqual(
            actions[-4:], ["form.import_upload", "answer.update", "answer.update", "form.import"]
        )
        # A decided import cannot be applied twice.
        self.assertEqual(self.client.post(decide, {"decision": "apply"}).status_code, 404)

    def test_cancelling_changes_nothing(self):
        self.upload(self.fill({"pw-composition": ("対応済", "x")}))
        staged = FormImport.objects.get()
        decide = reverse("forms_xlsx:decide", args=[self.assessment.pk, staged.pk])
        self.client.post(decide, {"decision": "cancel"})
        self.assertEqual(self.answer("pw-composition").status, "")
        staged.refresh_from_db()
        self.assertEqual(staged.state, "cancelled")
        self.assertTrue(Event.objects.filter(action="form.import_cancel").exists())

    def test_it_maps_moved_rows_by_key(self):
        def swap(wb, ws):
            a, b = self.row(ws, "pw-composition"), self.row(ws, "backup-offsite")
            for col in range(1, KEY + 1):
                ws.cell(a, col).value, ws.cell(b, col).value = (
                    ws.cell(b, col).value,
                    ws.cell(a, col).value,
                )

        data = self.fill(
            {"pw-composition": ("対応済", "五番"), "backup-offsite": ("未対応", "二十二番")},
            edit=swap,
        )
        self.upload(data)
        self.client.post(
            reverse("forms_xlsx:decide", args=[self.assessment.pk, FormImport.objects.get().pk]),
            {"decision": "apply"},
        )
        self.assertEqual(self.answer("pw-composition").text, "五番")
        self.assertEqual(self.answer("backup-offsite").text, "二十二番")

    def test_a_blank_cell_never_deletes_an_answer(self):
        answer = self.answer("pw-composition")
        answer.status, answer.text = "done", "既存の回答"
        answer.save()
        data = self.fill({"pw-composition": ("一部対応", None)})
        self.upload(data)
        plan = FormImport.objects.get().plan
        self.assertEqual(plan["changes"][0]["new_text"], "既存の回答")
        self.assertTrue(any("空欄のため" in n and "No.5" in n for n in plan["notes"]))

    def test_line_breaks_numbers_and_dates_become_text(self):
        data = self.fill(
            {
                "pw-composition": ("対応済", "一行目\r\n二行目"),
                "pw-rotation": ("対応済", 90),
                "backup-frequency": ("対応済", 3.5),
                "backup-recovery": ("対応済", datetime.datetime(2026, 4, 1)),
            },
            edit=lambda wb, ws: setattr(
                ws.cell(self.row(ws, "backup-recovery"), 5), "number_format", "yyyy-mm-dd"
            ),
        )
        self.upload(data)
        changes = {c["key"]: c["new_text"] for c in FormImport.objects.get().plan["changes"]}
        self.assertEqual(changes["pw-composition"], "一行目\n二行目")
        self.assertEqual(changes["pw-rotation"], "90")
        self.assertEqual(changes["backup-frequency"], "3.5")
        self.assertEqual(changes["backup-recovery"], "2026-04-01")

    def test_it_refuses_a_file_that_is_not_xlsx(self):
        self.assert_refused(b"No,Answer\n1,foo\n", "CSV（テキスト）のファイルです")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        self.assert_refused(buf.getvalue(), "xlsx 形式のファイルではありません")

    def test_it_refuses_another_template_version(self):
        self.assert_refused(self.fill({}, meta={"template_version": "9"}), "別の様式のファイルです")

    def test_it_refuses_the_form_of_another_assessment(self):
        meta = {"assessment_id": "999", "system": "税務システム", "phase": "運用時（2025年度）"}
        r = self.assert_refused(
            self.fill({}, meta=meta),
            "「税務システム / 運用時（2025年度）」の確認票から書き出したもの",
        )
        self.assertContains(
            r,
            "いま取り込もうとしているのは「子ども発達支援システム / 新規構築時」",
            status_code=400,
        )
        self.assertFalse("999" in r.content.decode())

    def test_it_refuses_a_workbook_that_is_not_ours(self):
        wb = openpyxl.Workbook()
        out = io.BytesIO()
        wb.save(out)
        self.assert_refused(out.getvalue(), "確認一覧表が見つかりません")

    def test_it_names_the_cell_of_an_unknown_key(self):
        def rename(wb, ws):
            ws.cell(self.row(ws, "pw-rotation"), KEY).value = "no-such-item"

        r = self.assert_refused(self.fill({}, edit=rename), "この確認票の項目ではない行です")
        self.assertRegex(r.content.decode(), r"\d+行目: この確認票の項目ではない行です")
        self.assertFalse("no-such-item" in r.content.decode())

    def test_it_names_both_cells_of_a_duplicated_key(self):
        def dup(wb, ws):
            ws.cell(self.row(ws, "pw-rotation"), KEY).value = "pw-composition"

        r = self.assert_refused(self.fill({}, edit=dup), "同じ項目（No.5）の行です")
        self.assertRegex(r.content.decode(), r"\d+行目と \d+行目が同じ項目（No.5）の行です")
        self.assertFalse("pw-composition" in r.content.decode())

    def test_it_names_the_cell_of_a_rule_broken(self):
        r = self.assert_refused(
            self.fill({"pw-composition": ("該当なし", None)}), "理由を記入してください"
        )
        row = self.row(self.workbook()[1], "pw-composition")
        self.assertContains(r, f"E{row}: 「該当なし」の場合は", status_code=400)
        r = self.assert_refused(
            self.fill({"pw-composition": ("たぶん", "x")}), "対応状況「たぶん」は選択肢"
        )
        self.assertContains(r, f"F{row}:", status_code=400)

    @override_settings(FORM_IMPORT_MAX_BYTES=10_000)
    def test_it_refuses_a_file_over_the_size_limit(self):
        self.assert_refused(self.blank, "ファイルが大きすぎます")

    @override_settings(FORM_IMPORT_MAX_UNZIPPED_BYTES=2_000_000)
    def test_it_refuses_a_zip_bomb_before_parsing(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            with zipfile.ZipFile(io.BytesIO(self.blank)) as src:
                for info in src.infolist():
                    z.writestr(info, src.read(info))
            z.writestr("xl/media/padding.bin", b"\0" * 5_000_000)
        self.assertLess(len(buf.getvalue()), 100_000)
        self.assert_refused(buf.getvalue(), "圧縮爆弾")

    @override_settings(FORM_IMPORT_MAX_CELLS=20_000)
    def test_it_refuses_a_sheet_of_too_many_cells_before_reading_it(self):
        """Issue 23.14: a 3.3 MB upload grew a worker to 870 MB (openpyxl holds every
        cell). The cells are counted as the sheet unpacks, before openpyxl reads it."""

        def filler(wb, ws):
            extra = wb.create_sheet("memo")
            for row in range(1, 301):
                for col in range(1, 101):
                    extra.cell(row=row, column=col, value=row * col)

        data = self.fill({}, edit=filler)
        self.assertLess(len(data), settings.FORM_IMPORT_MAX_BYTES)
        self.assert_refused(data, "セルが多すぎます（上限 20000）")

    def test_it_refuses_an_entry_that_lies_about_its_size(self):
        with zipfile.ZipFile(io.BytesIO(self.blank)) as src:
            entries = {info.filename: src.read(info) for info in src.infolist()}
        entries["xl/media/padding.bin"] = b"\0" * 60_000_000
        self.assert_refused(
            lying_zip(entries, liar="xl/media/padding.bin", declared=10),
            "中のサイズが偽られています",
        )

    def test_it_refuses_xml_entities(self):
        self.assertTrue(openpyxl.DEFUSEDXML)
        laughs = (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(self.blank)) as src, zipfile.ZipFile(buf, "w") as z:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "xl/worksheets/sheet1.xml":
                    text = re.sub(r"^<\?xml[^>]*\?>", "", data.decode())
                    data = (laughs + text).encode()
                z.writestr(info, data)
        self.assert_refused(buf.getvalue(), "安全でない内容（XMLエンティティ等）")

    def test_it_refuses_a_malformed_sheet_with_a_message_not_a_500(self):
        """The sheet is parsed lazily, after the workbook opened: a broken sheet XML gave a 500."""
        for name, broken in [
            ("truncated", lambda xml: xml[: len(xml) // 2]),
            ("not xml", lambda xml: b"<worksheet><sheetData><row r='1'><c r='A1'"),
            ("wrong tag", lambda xml: xml.replace(b"</sheetData>", b"</sheetDatum>")),
        ]:
            with self.subTest(name):
                buf = io.BytesIO()
                with zipfile.ZipFile(io.BytesIO(self.blank)) as src, zipfile.ZipFile(buf, "w") as z:
                    for info in src.infolist():
                        data = src.read(info)
                        if info.filename == "xl/worksheets/sheet1.xml":
                            data = broken(data)
                        z.writestr(info, data)
                self.assert_refused(buf.getvalue(), "ファイルを読み込めません")

    def test_ward_items_in_a_vendors_file_are_skipped_with_a_note(self):
        self.upload(
            self.fill(
                {
                    "terminal-physical-lock": ("未対応", "事業者が書き換え"),
                    "pw-composition": ("対応済", "x"),
                }
            )
        )
        plan = FormImport.objects.get().plan
        self.assertEqual([c["key"] for c in plan["changes"]], ["pw-composition"])
        self.assertTrue(any("区が回答する項目です" in n for n in plan["notes"]))

    def test_an_answer_changed_after_upload_stops_the_whole_import(self):
        self.upload(
            self.fill(
                {"pw-composition": ("対応済", "from file"), "pw-rotation": ("対応済", "from file")}
            )
        )
        staged = FormImport.objects.get()
        answer = self.answer("pw-rotation")
        answer.text, answer.version = "edited on the web", answer.version + 1
        answer.save()
        r = self.client.post(
            reverse("forms_xlsx:decide", args=[self.assessment.pk, staged.pk]),
            {"decision": "apply"},
            follow=True,
        )
        self.assertContains(r, "反映しませんでした")
        self.assertEqual(self.answer("pw-composition").text, "")
        self.assertFalse(Event.objects.filter(action="form.import").exists())

    def test_an_empty_upload_is_a_form_error(self):
        r = self.client.post(reverse("forms_xlsx:upload", args=[self.assessment.pk]), {})
        self.assertContains(r, "このフィールドは必須です。", status_code=400)


class ImportCommandTestCase(BaseTestCase):
    def write(self, data: bytes) -> str:
        tmp = TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = Path(tmp.name) / "f.xlsx"
        path.write_bytes(data)
        return str(path)

    def filled(self) -> bytes:
        wb = openpyxl.load_workbook(
            io.BytesIO(export_assessment(actor=None, assessment=self.assessment))
        )
        ws = wb["確認一覧表"]
        r = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, KEY).value == "pw-composition")
        ws.cell(r, 5).value, ws.cell(r, 6).value = "CLI answer", "対応済"
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def test_dry_run_shows_and_changes_nothing(self):
        out = StringIO()
        call_command(
            "import_form",
            self.write(self.filled()),
            str(self.assessment.pk),
            "--dry-run",
            stdout=out,
        )
        self.assertIn("No.5", out.getvalue())
        self.assertIn("--dry-run", out.getvalue())
        self.assertEqual(self.answer("pw-composition").text, "")

    def test_it_applies(self):
        out = StringIO()
        call_command("import_form", self.write(self.filled()), str(self.assessment.pk), stdout=out)
        self.assertIn("1 件の回答を反映しました", out.getvalue())
        self.assertEqual(self.answer("pw-composition").text, "CLI answer")

    def test_it_refuses_with_the_reason(self):
        with self.assertRaisesMessage(CommandError, "xlsx 形式のファイルではありません"):
            call_command("import_form", self.write(b"junk"), str(self.assessment.pk))
        with self.assertRaisesMessage(CommandError, "確認票 ID 999 はありません"):
            call_command("import_form", self.write(b"junk"), "999")
        with self.assertRaisesMessage(CommandError, "開けません"):
            call_command("import_form", "/nonexistent.xlsx", str(self.assessment.pk))
