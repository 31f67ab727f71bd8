import datetime
import io
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import openpyxl
from django.core.management import call_command
from django.test import SimpleTestCase
from django.urls import reverse

from kakunin.audit.models import Event
from kakunin.forms_xlsx import paging
from kakunin.forms_xlsx.layout import FONT_NAME, VENDOR_WIDTHS, WARD_WIDTHS, column_number
from testsupport.fixtures import BaseTestCase

KEY = column_number("key")


def sheet_of(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return wb, wb["確認一覧表"]


def row_of(ws, key: str) -> int:
    for row in ws.iter_rows(min_row=1):
        if row[KEY - 1].value == key:
            return row[0].row
    raise AssertionError(key)


class ExportTestCase(BaseTestCase):
    def export(self, user=None) -> bytes:
        self.client.force_login(user or self.bob)
        r = self.client.get(reverse("forms_xlsx:export", args=[self.assessment.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertIn("attachment", r["Content-Disposition"])
        self.assertIn(".xlsx", r["Content-Disposition"])
        return r.content

    def test_it_looks_like_the_wards_form(self):
        _wb, ws = sheet_of(self.export())
        self.assertEqual(ws["A1"].value, "システム導入に係るセキュリティ要件確認一覧表")
        self.assertEqual(ws["A2"].value, "回答欄のうち黄色セル部分を記入し、提出すること。")
        self.assertIn("子ども発達支援システム", ws["A3"].value)
        self.assertEqual(
            [c.value for c in ws[4]][:5], ["No", "大項目", "中項目", "質問/確認事項", "回答"]
        )
        self.assertEqual(
            ws["A5"].value,
            "千代田区情報セキュリティポリシー【対策基準】第4.0版に遵守しているかの対策項目です。",
        )
        web_banner = next(
            r
            for r in range(5, ws.max_row + 1)
            if str(ws.cell(r, 1).value).startswith("千代田区Webサイト構築")
        )
        self.assertEqual(ws.cell(web_banner + 1, 1).value, 35)
        self.assertTrue(ws[f"D{row_of(ws, 'info-assets')}"].alignment.wrap_text)

    def test_each_page_names_its_section_and_the_pages_break_where_the_form_says(self):
        _wb, ws = sheet_of(self.export())
        breaks = [b.id + 1 for b in ws.row_breaks.brk]
        self.assertTrue(breaks)
        for first in breaks:
            while ws.cell(first, KEY).value is None:  # a banner opens the page
                first += 1
            with self.subTest(row=first):
                self.assertTrue(ws[f"B{first}"].value, "the section is named on every page")
                self.assertTrue(ws[f"C{first}"].value)
        # Within a page, a section is named once, where it begins.
        second, third = row_of(ws, "id-personal-auth"), row_of(ws, "id-issuance")
        if third - 1 not in breaks and third not in breaks:
            self.assertIsNone(ws[f"B{third}"].value)
        self.assertEqual(ws[f"C{second}"].value, "認証による個人を特定")
        merged = {str(m) for m in ws.merged_cells.ranges}
        self.assertFalse(any(m.startswith("B") or m.startswith("C") for m in merged))

    def test_vendor_cells_are_yellow_and_ward_cells_show_the_wards_answer(self):
        _wb, ws = sheet_of(self.export())
        vendor = row_of(ws, "pw-composition")
        ward = row_of(ws, "terminal-physical-lock")
        self.assertEqual(ws[f"E{vendor}"].fill.fgColor.rgb, "00FFFF00")
        self.assertFalse(ws[f"E{vendor}"].protection.locked)
        self.assertEqual(ws[f"E{ward}"].value, "千代田区の全庁LAN端末のセキュリティ対策にて対応")
        self.assertNotEqual(ws[f"E{ward}"].fill.fgColor.rgb, "00FFFF00")
        self.assertTrue(ws[f"E{ward}"].protection.locked)
        self.assertEqual(ws[f"F{ward}"].value, "区で対応")
        not_applicable = row_of(ws, "server-location")
        self.assertEqual(ws[f"F{not_applicable}"].value, "適用外")
        self.assertTrue(ws.protection.sheet)

    def test_it_carries_keys_in_a_hidden_column_and_a_hidden_sheet(self):
        wb, ws = sheet_of(self.export())
        self.assertTrue(ws.column_dimensions["I"].hidden)
        self.assertEqual(ws["I4"].value, "項目キー")
        self.assertEqual([c.value for c in ws[4]][5:8], ["対応状況", "対応予定", "対応予定日"])
        meta = wb["_kakunin"]
        self.assertEqual(meta.sheet_state, "hidden")
        values = {r[0].value: r[1].value for r in meta.iter_rows()}
        self.assertEqual(values["template_key"], "chiyoda-system-security")
        self.assertEqual(values["assessment_id"], self.assessment.pk)

    def test_a4_print_setup_with_repeated_header_and_system_name(self):
        _wb, ws = sheet_of(self.export())
        self.assertEqual(str(ws.page_setup.paperSize), str(ws.PAPERSIZE_A4))
        self.assertEqual(ws.print_title_rows, "$4:$4")
        # The policy line and the form side by side in the header (a centred policy line
        # ran over the right-hand text); the system and the page in the footer.
        self.assertEqual(
            ws.oddHeader.left.text,
            "千代田区情報セキュリティポリシー【対策基準】第4.0版に遵守しているかの対策項目です。",
        )
        self.assertIn("第1版", ws.oddHeader.right.text)
        self.assertIsNone(ws.oddHeader.center.text)
        self.assertEqual(ws.oddFooter.left.text, "子ども発達支援システム")
        self.assertEqual(ws.oddFooter.right.text, "&P / &N")
        self.assertEqual(ws.page_setup.scale, 100)
        row = row_of(ws, "pw-composition")
        for col in "ABDEFGH":
            with self.subTest(col=col):
                self.assertEqual(ws[f"{col}{row}"].font.name, FONT_NAME)
                self.assertGreaterEqual(ws[f"{col}{row}"].font.size, 9)
                self.assertEqual(ws[f"{col}{row}"].font.family, 2)  # sans-serif fallback

    def test_what_the_vendor_types_goes_into_text_cells(self):
        answer = self.answer("pw-rotation")
        answer.status, answer.plan = "partial", "次期更改で対応"
        answer.target_date = datetime.date(2027, 3, 31)
        answer.save()
        _wb, ws = sheet_of(self.export())
        row = row_of(ws, "pw-rotation")
        for col in "EFGH":
            with self.subTest(col=col):
                self.assertEqual(ws[f"{col}{row}"].number_format, "@")
                self.assertEqual(ws[f"{col}{row}"].fill.fgColor.rgb, "00FFFF00")
                self.assertFalse(ws[f"{col}{row}"].protection.locked)
        self.assertEqual(ws[f"G{row}"].value, "次期更改で対応")
        self.assertEqual(ws[f"H{row}"].value, "2027-03-31")
        self.assertGreater(ws.row_dimensions[row].height, 15)

    def test_answers_are_written_as_text_never_as_formulas(self):
        answer = self.answer("pw-composition")
        answer.text = '=HYPERLINK("http://evil","x")'
        answer.save()
        _wb, ws = sheet_of(self.export())
        cell = ws[f"E{row_of(ws, 'pw-composition')}"]
        self.assertEqual(cell.data_type, "s")
        self.assertEqual(cell.value, '=HYPERLINK("http://evil","x")')

    def test_the_export_is_audited(self):
        self.export(self.rita)
        event = Event.objects.get(action="form.export")
        self.assertEqual(event.actor, self.rita)
        self.assertEqual(event.object_id, str(self.assessment.pk))

    def test_the_command_writes_the_same_form(self):
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "a.xlsx"
            out = StringIO()
            call_command("export_form", str(self.assessment.pk), "-o", str(path), stdout=out)
            _wb, ws = sheet_of(path.read_bytes())
            self.assertEqual(ws["A1"].value, "システム導入に係るセキュリティ要件確認一覧表")

    def test_the_blank_form_has_every_item_yellow(self):
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "blank.xlsx"
            call_command("export_catalog", "--format", "xlsx", "-o", str(path), stdout=StringIO())
            wb, ws = sheet_of(path.read_bytes())
        keys = [ws.cell(r, KEY).value for r in range(5, ws.max_row + 1) if ws.cell(r, KEY).value]
        self.assertEqual(len(keys), 83)
        self.assertEqual(ws[f"E{row_of(ws, 'server-location')}"].fill.fgColor.rgb, "00FFFF00")
        self.assertEqual(
            dict((r[0].value, r[1].value) for r in wb["_kakunin"].iter_rows())["assessment_id"],
            None,
        )


class PageHeaderTestCase(SimpleTestCase):
    def test_a_long_header_text_is_broken_into_lines_that_fit_its_half(self):
        policy = "あいうえおかきくけこ、" * 8 + "さしすせそ。"
        lines = paging.header_lines(policy, 300, 9).split("\n")
        self.assertGreater(len(lines), 1)
        self.assertEqual("".join(lines), policy)
        for line in lines:
            self.assertLessEqual(paging.text_points(line, 9), 300)
            self.assertTrue(line == lines[-1] or line.endswith("、"))

    def test_the_columns_fit_the_page_as_excel_and_as_libreoffice_draw_them(self):
        for widths in (VENDOR_WIDTHS, WARD_WIDTHS):
            shown = [w for col, w in widths.items() if col != "I"]
            room = paging.printable_width(1)
            self.assertLessEqual(sum(map(paging.excel_points, shown)), room)
            self.assertLessEqual(sum(map(paging.libreoffice_points, shown)), room)
            # ...and fill it: they once used under four fifths of it in Excel.
            self.assertGreater(sum(map(paging.excel_points, shown)), 0.95 * room)
