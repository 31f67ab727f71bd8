"""The form as vendors really fill it: files written the way Excel and LibreOffice
store typing (number formats, merged cells, extra sheets, a password), the
ward's original form, and the spellings people use."""

import datetime
import io
import re
import zipfile
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import msoffcrypto.format.ooxml
import openpyxl
from django.core.management import call_command
from django.urls import reverse

from kakunin.catalog.models import Item
from kakunin.forms_xlsx.actions import export_assessment
from kakunin.forms_xlsx.models import FormImport
from kakunin.forms_xlsx.tests.test_import import KEY, FormTestCase


def saved(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class TypedStaysTypedTestCase(FormTestCase):
    def typed(self, key: str, value, number_format: str) -> dict:
        """The preview's change for one cell holding a number or date and a format."""

        def edit(wb, ws):
            cell = ws.cell(self.row(ws, key), 5)
            cell.value, cell.number_format = value, number_format
            ws.cell(self.row(ws, key), 6).value = "対応済"

        r = self.upload(self.fill({}, edit=edit))
        self.assertEqual(r.status_code, 302, r.content.decode()[-2000:])
        change = FormImport.objects.get().plan["changes"][0]
        FormImport.objects.all().delete()
        return change

    def test_numbers_and_dates_come_back_as_the_text_they_show(self):
        serial = 45383  # 2024-04-01
        for value, fmt, shown in [
            (serial, 'm"月"d"日"', "4月1日"),
            (serial, 'yyyy"年"m"月"d"日"', "2024年4月1日"),
            (serial, '[$-411]ggge"年"m"月"d"日"', "令和6年4月1日"),
            (43586, '[$-ja-JP-x-gannen]ggge"年"m"月"d"日"', "令和元年5月1日"),
            (0.999, "0.00%", "99.90%"),
            (0.5208333333, 'h"時"mm"分"', "12時30分"),
            (1234567, "#,##0", "1,234,567"),
            (90, "General", "90"),
            (12, "@", "12"),
        ]:
            with self.subTest(fmt=fmt):
                self.assertEqual(self.typed("pw-composition", value, fmt)["new_text"], shown)

    def test_a_japanese_builtin_format_stored_by_its_number_alone(self):
        """Japanese Excel stores 2024年4月1日 as numFmtId 31 with no definition."""
        data = self.fill({}, edit=self.date_cell('yyyy"年"m"月"d"日"'))
        self.upload(self.with_builtin_31(data))
        change = FormImport.objects.get().plan["changes"][0]
        self.assertEqual(change["new_text"], "2024年4月1日")

    def date_cell(self, fmt):
        def edit(wb, ws):
            cell = ws.cell(self.row(ws, "pw-composition"), 5)
            cell.value, cell.number_format = 45383, fmt
            ws.cell(self.row(ws, "pw-composition"), 6).value = "対応済"

        return edit

    def with_builtin_31(self, data: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                content = src.read(info)
                if info.filename == "xl/styles.xml":
                    text = content.decode()
                    custom = re.search(r'<numFmt numFmtId="(\d+)" formatCode="yyyy[^"]*年', text)
                    assert custom, text[:500]
                    text = text.replace(f'numFmtId="{custom.group(1)}"', 'numFmtId="31"')
                    text = re.sub(r'<numFmt numFmtId="31"[^>]*/>', "", text)
                    content = text.encode()
                dst.writestr(info, content)
        return out.getvalue()

    def test_what_cannot_be_shown_faithfully_is_refused_with_the_cell(self):
        row = self.row(self.workbook()[1], "pw-composition")
        for value, fmt in [(5, "[DBNum1]General"), (1.2345678901234567e19, "General")]:
            with self.subTest(fmt=fmt):
                r = self.assert_refused(
                    self.fill({}, edit=lambda wb, ws, v=value, f=fmt: self.put(ws, v, f)),
                    "表示どおりの文字に戻せません",
                )
                self.assertContains(r, f"E{row}:", status_code=400)

    def put(self, ws, value, fmt):
        cell = ws.cell(self.row(ws, "pw-composition"), 5)
        cell.value, cell.number_format = value, fmt

    def test_error_values_are_refused_with_the_cell(self):
        row = self.row(self.workbook()[1], "pw-composition")
        for error in ("#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NULL!", "#NUM!"):

            def edit(wb, ws, error=error):
                cell = ws.cell(self.row(ws, "pw-composition"), 5)
                cell.value = error
                cell.data_type = "e"

            with self.subTest(error=error):
                r = self.assert_refused(self.fill({}, edit=edit), f"エラー値「{error}」")
                self.assertContains(r, f"E{row}:", status_code=400)


class NothingDroppedTestCase(FormTestCase):
    def preview_of(self, data: bytes):
        r = self.upload(data)
        self.assertEqual(r.status_code, 302, r.content.decode()[-3000:])
        return self.client.get(r.url), FormImport.objects.get().plan

    def test_every_cell_left_aside_is_listed_with_its_address_and_why(self):
        def edit(wb, ws):
            five, six = self.row(ws, "pw-composition"), self.row(ws, "pw-rotation")
            ws.cell(five, 11).value = "横のセルに書いたメモ"
            ws.cell(six, 4).value = "質問欄に書いた回答"
            ws.cell(ws.max_row + 2, 5).value = "表の下に書いた追記"
            cleared = self.row(ws, "backup-offsite")
            ws.cell(cleared, KEY).value = None
            ws.cell(cleared, 5).value = "キーを消した行の回答"

        _r, plan = self.preview_of(self.fill({"pw-composition": ("対応済", "本回答")}, edit=edit))
        skipped = {s["value"]: s for s in plan["skipped"]}
        _wb, ws = self.workbook()
        five, six = self.row(ws, "pw-composition"), self.row(ws, "pw-rotation")
        self.assertEqual(skipped["横のセルに書いたメモ"]["cell"], f"K{five}")
        self.assertIn("表の外", skipped["横のセルに書いたメモ"]["reason"])
        self.assertEqual(skipped["質問欄に書いた回答"]["cell"], f"D{six}")
        self.assertIn("質問欄の変更は取り込みません", skipped["質問欄に書いた回答"]["reason"])
        self.assertIn("表の下に書いた追記", skipped)
        self.assertIn("どの項目の行でもありません", skipped["キーを消した行の回答"]["reason"])
        self.assertEqual([c["key"] for c in plan["changes"]], ["pw-composition"])

    def test_a_column_inserted_before_the_answers_is_listed_and_the_answers_still_read(self):
        def edit(wb, ws):
            five = self.row(ws, "pw-composition")
            ws.insert_cols(5)
            ws.cell(4, 5).value = "備考"
            ws.cell(five, 5).value = "備考欄のメモ"
            ws.cell(five, 6).value = "列を挿入した後の回答"
            ws.cell(five, 7).value = "対応済"

        r, plan = self.preview_of(self.fill({}, edit=edit))
        self.assertEqual(plan["changes"][0]["new_text"], "列を挿入した後の回答")
        self.assertEqual(plan["skipped"][0]["value"], "備考欄のメモ")
        self.assertIn("列「備考」は様式にない列", plan["skipped"][0]["reason"])
        self.assertContains(r, "取り込まないセル")
        self.assertContains(r, "備考欄のメモ")

    def test_an_answer_merged_across_two_items_is_refused_with_the_cells(self):
        def edit(wb, ws):
            five = self.row(ws, "pw-composition")
            ws.cell(five, 5).value = "二つの項目にまたがる回答"
            ws.merge_cells(start_row=five, start_column=5, end_row=five + 1, end_column=5)

        five = self.row(self.workbook()[1], "pw-composition")
        self.assert_refused(
            self.fill({}, edit=edit),
            f"E{five}:E{five + 1}: 回答欄のセルが No.5、No.6 にまたがって結合されています",
        )

    def test_a_stale_copy_of_the_sheet_in_front_is_refused_naming_both(self):
        def edit(wb, ws):
            copy = wb.copy_worksheet(ws)
            copy.title = "確認一覧表 (2)"
            wb.move_sheet(copy, offset=-(len(wb.sheetnames) - 1))

        self.assert_refused(
            self.fill({"pw-composition": ("対応済", "x")}, edit=edit),
            "項目の表が複数のシート（「確認一覧表 (2)」、「確認一覧表」）にあります",
        )

    def test_an_extra_sheet_in_front_does_not_hide_the_form(self):
        def edit(wb, ws):
            notes = wb.create_sheet("メモ", 0)
            notes["A1"] = "社内確認用"

        _r, plan = self.preview_of(self.fill({"pw-composition": ("対応済", "x")}, edit=edit))
        self.assertEqual([c["key"] for c in plan["changes"]], ["pw-composition"])


class MessagesTestCase(FormTestCase):
    def test_a_password_protected_file_says_to_remove_the_password(self):
        encrypted = io.BytesIO()
        msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(self.blank)).encrypt("secret", encrypted)
        self.assert_refused(encrypted.getvalue(), "パスワードを消して保存し直してから")

    def test_an_ods_file_says_how_to_save_it_as_xlsx(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", "<office:document-content/>")
        self.assert_refused(buf.getvalue(), "OpenDocument 形式（.ods）のファイルです")

    def test_the_command_line_says_statuses_in_words(self):
        data = self.fill({"pw-composition": ("○", "CLI")})
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.xlsx"
            path.write_bytes(data)
            out = StringIO()
            call_command("import_form", str(path), str(self.assessment.pk), "--dry-run", stdout=out)
        self.assertIn("No.5 (E", out.getvalue())
        self.assertIn("（未回答） → 対応済", out.getvalue())
        self.assertFalse("done" in out.getvalue())


class SpellingsTestCase(FormTestCase):
    def test_natural_spellings_of_each_status(self):
        for typed, status in [
            ("対応済み", "done"),
            ("済", "done"),
            ("〇", "done"),
            ("○", "done"),
            ("実施済", "done"),
            ("ｄｏｎｅ", "done"),
            ("一部対応済", "partial"),
            ("△", "partial"),
            ("×", "not_done"),
            ("未実施", "not_done"),
        ]:
            with self.subTest(typed=typed):
                r = self.upload(self.fill({"pw-composition": (typed, "x")}))
                self.assertEqual(r.status_code, 302, typed)
                change = FormImport.objects.get().plan["changes"][0]
                self.assertEqual(change["new_status"], status)
                self.assertEqual(change["typed_status"], typed)
                page = self.client.get(r.url)
                self.assertContains(page, f"（「{typed}」と記入）")
                FormImport.objects.all().delete()

    def test_na_spellings(self):
        self.upload(self.fill({"pw-composition": ("対象外", "理由: 外部公開しない")}))
        self.assertEqual(FormImport.objects.get().plan["changes"][0]["new_status"], "na")


class PlansAndDatesTestCase(FormTestCase):
    def plan_row(self, status, plan, date, fmt=None):
        def edit(wb, ws):
            r = self.row(ws, "pw-rotation")
            ws.cell(r, 7).value, ws.cell(r, 8).value = plan, date
            if fmt:
                ws.cell(r, 8).number_format = fmt

        return self.fill({"pw-rotation": (status, "年1回")}, edit=edit)

    def test_plans_and_dates_are_imported_in_japanese_spellings(self):
        for typed, fmt in [
            ("令和8年4月1日", None),
            ("2026/4/1", None),
            ("R8.4.1", None),
            ("２０２６年４月１日", None),
            (datetime.datetime(2026, 4, 1), "yyyy/m/d"),
        ]:
            with self.subTest(typed=typed):
                r = self.upload(self.plan_row("一部対応", "次期更改で対応", typed, fmt))
                self.assertEqual(r.status_code, 302, r.content.decode()[-1500:])
                change = FormImport.objects.get().plan["changes"][0]
                self.assertEqual(change["new_plan"], "次期更改で対応")
                self.assertEqual(change["new_date"], "2026-04-01")
                FormImport.objects.all().delete()

    def test_the_plan_and_date_reach_the_answer_and_submit_needs_nothing_more(self):
        self.upload(self.plan_row("未対応", "来年度に改修", "令和8年4月1日"))
        staged = FormImport.objects.get()
        self.client.post(
            reverse("forms_xlsx:decide", args=[self.assessment.pk, staged.pk]),
            {"decision": "apply"},
        )
        answer = self.answer("pw-rotation")
        self.assertEqual(
            (answer.status, answer.plan, answer.target_date),
            ("not_done", "来年度に改修", datetime.date(2026, 4, 1)),
        )
        self.assertIsNone(answer.missing_for_submission())

    def test_a_date_without_a_year_or_unreadable_is_refused_with_the_cell(self):
        row = self.row(self.workbook()[1], "pw-rotation")
        r = self.assert_refused(self.plan_row("一部対応", "x", "4月1日"), "に年がありません")
        self.assertContains(r, f"H{row}:", status_code=400)
        self.assert_refused(self.plan_row("一部対応", "x", "来年度中"), "日付として読めません")
        self.assert_refused(
            self.plan_row("一部対応", "x", "令和8年2月30日"), "日付として読めません"
        )


class WardsOriginalFormTestCase(FormTestCase):
    """The ward's own form from its web site: No / 大項目 / 中項目 / 質問/確認事項 / 回答."""

    def original(self, answers: dict[int, str], edit=None) -> bytes:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Sheet1"
        ws["A1"] = "システム導入に係るセキュリティ要件確認一覧表"
        ws["A2"] = "回答欄のうち黄色セル部分を記入し、提出すること。"
        ws.append(["No", "大項目", "中項目", "質問/確認事項", "回答"])
        ws.append(
            ["千代田区情報セキュリティポリシー【対策基準】第4.0版に遵守しているかの対策項目です。"]
        )
        for item in Item.objects.filter(template=self.assessment.template).order_by("number"):
            question = "\n".join(
                [item.question, *(["【記載例】", *item.examples] if item.examples else [])]
            )
            ws.append(
                [item.number, item.section, item.subsection, question, answers.get(item.number)]
            )
        ws.merge_cells("B6:B8")  # the ward merges its section cells
        if edit:
            edit(ws)
        return saved(wb)

    def test_it_is_imported_by_number_and_says_so(self):
        r = self.upload(self.original({5: "12桁以上", 6: "90日ごと"}))
        self.assertEqual(r.status_code, 302, r.content.decode()[-2000:])
        page = self.client.get(r.url)
        self.assertContains(page, "区の様式として、各行を No で照合しました。")
        self.assertContains(page, "対応状況が未選択の項目")
        plan = FormImport.objects.get().plan
        self.assertEqual(
            {c["number"]: c["new_text"] for c in plan["changes"]}, {5: "12桁以上", 6: "90日ごと"}
        )
        self.assertEqual(plan["needs_status"], [5, 6])
        self.client.post(
            reverse("forms_xlsx:decide", args=[self.assessment.pk, FormImport.objects.get().pk]),
            {"decision": "apply"},
        )
        self.assertEqual(self.answer("pw-composition").text, "12桁以上")
        detail = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertContains(detail, "回答はあるが対応状況が未選択の項目")
        self.assertContains(detail, ">No.5</a>")

    def test_a_renumbered_form_is_refused_with_the_rows(self):
        def renumber(ws):
            for row in ws.iter_rows(min_row=5):
                if row[0].value == 6:
                    row[0].value = 7
                elif row[0].value == 7:
                    row[0].value = 6

        r = self.assert_refused(self.original({5: "x"}, renumber), "番号が付け直されています")
        self.assertContains(r, "No.6 の質問文が", status_code=400)
        self.assertContains(r, "No.7 の質問文が", status_code=400)

    def test_a_form_of_another_version_is_refused(self):
        def reword(ws):
            for row in ws.iter_rows(min_row=5):
                if row[0].value == 12:
                    row[3].value = "ハードウェアの保守について、別の版の質問です。"

        r = self.assert_refused(self.original({5: "x"}, reword), "様式の版が違うか")
        self.assertContains(r, "No.12 の質問文が", status_code=400)


class SpeedPathTestCase(FormTestCase):
    def test_a_large_import_writes_one_revision_and_one_event_per_answer(self):
        keys = ["pw-composition", "pw-rotation", "backup-frequency", "backup-recovery"]
        self.upload(self.fill({k: ("対応済", f"{k} の回答") for k in keys}))
        self.client.post(
            reverse("forms_xlsx:decide", args=[self.assessment.pk, FormImport.objects.get().pk]),
            {"decision": "apply"},
        )
        for key in keys:
            answer = self.answer(key)
            self.assertEqual((answer.text, answer.version), (f"{key} の回答", 1))
            self.assertEqual(answer.revisions.count(), 1)
        call_command("audit_verify", stdout=StringIO())

    def test_an_unchanged_export_imports_with_no_change(self):
        self.upload(export_assessment(actor=None, assessment=self.assessment, ward_copy=False))
        plan = FormImport.objects.get().plan
        self.assertEqual((plan["changes"], plan["skipped"]), ([], []))
