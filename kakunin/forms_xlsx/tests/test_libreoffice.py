"""The real client: LibreOffice Calc (Debian's libreoffice-calc-nogui, installed by
.ci/run) opens and saves the export, and prints both copies to PDF."""

import io
import subprocess
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

import openpyxl
from django.test import override_settings
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTTextLine

from kakunin.forms_xlsx.actions import export_assessment
from kakunin.forms_xlsx.models import FormImport
from kakunin.forms_xlsx.tests.test_import import FormTestCase

SOFFICE = "/usr/bin/soffice"


def convert(data: bytes, name: str, to: str) -> bytes:
    """The file as LibreOffice writes it after opening `name` (headless, its own profile)."""
    with TemporaryDirectory() as tmp:
        source = Path(tmp) / name
        source.write_bytes(data)
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
             "--convert-to", to, "--outdir", f"{tmp}/out", str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        return next((Path(tmp) / "out").iterdir()).read_bytes()


@override_settings(FORM_IMPORT_MAX_BYTES=5_000_000)
class LibreOfficeTestCase(FormTestCase):
    def setUp(self):
        super().setUp()
        for n, answer in enumerate(self.assessment.answers.select_related("item"), start=1):
            if answer.item.is_ward_item:
                continue
            answer.status = "partial" if n % 3 == 0 else "done"
            answer.text = (
                "当該システムでは利用者ごとにIDを発行し、管理簿で管理する。" * (n % 5 + 1)
            ) + f"〆{n}"
            if answer.status == "partial":
                answer.plan, answer.target_date = (
                    f"次期更改で対応する予定です。〆計画{n}",
                    "2027-03-31",
                )
            answer.save()

    def test_a_form_saved_by_libreoffice_imports_with_no_change(self):
        data = export_assessment(actor=None, assessment=self.assessment, ward_copy=False)
        for path in (["xlsx"], ["ods", "xlsx"]):
            with self.subTest(path=path):
                saved, name = data, "form.xlsx"
                for to in path:
                    saved = convert(saved, name, to)
                    name = f"form.{to}"
                r = self.upload(saved)
                self.assertEqual(r.status_code, 302, r.content.decode()[-2000:])
                plan = FormImport.objects.get().plan
                self.assertEqual((plan["changes"], plan["skipped"]), ([], []))
                FormImport.objects.all().delete()

    def test_xls_and_ods_are_refused_saying_how_to_save_them(self):
        data = export_assessment(actor=None, assessment=self.assessment, ward_copy=False)
        self.assert_refused(
            convert(data, "form.xlsx", "xls"), "Excel 97-2003 形式（.xls）のファイルです"
        )
        self.assert_refused(
            convert(data, "form.xlsx", "ods"), "OpenDocument 形式（.ods）のファイルです"
        )

    def test_both_copies_print_whole_in_a_sans_serif_face_at_9_points_or_more(self):
        for ward in (False, True):
            with self.subTest(ward_copy=ward):
                data = export_assessment(actor=None, assessment=self.assessment, ward_copy=ward)
                with TemporaryDirectory() as tmp:
                    pdf = Path(tmp) / "form.pdf"
                    pdf.write_bytes(convert(data, "form.xlsx", "pdf"))
                    pages = list(extract_pages(pdf))
                sizes, fonts, lines = Counter(), set(), []
                for page in pages:
                    text = "".join(self.text(page))
                    # Every page carries the first and the last column: nothing spills.
                    self.assertIn("No", text)
                    self.assertIn("審査結果" if ward else "対応予定日", text)
                    self.assertIn("千代田区情報セキュリティポリシー", text)  # the policy line
                    for obj in self.walk(page):
                        if isinstance(obj, LTChar) and obj.get_text().strip():
                            sizes[round(obj.size, 1)] += 1
                            fonts.add(obj.fontname)
                        if isinstance(obj, LTTextLine):
                            lines.append(obj.get_text())
                self.assertGreaterEqual(min(sizes), 9.0, sizes)
                self.assertFalse([f for f in fonts if "Serif" in f or "Mincho" in f], fonts)
                printed = "".join("".join(lines).split())
                # The last line of every answer and plan is printed, not cut off.
                for answer in self.assessment.answers.select_related("item"):
                    for tail in (answer.text, answer.plan):
                        if "〆" in tail:
                            with self.subTest(item=answer.item.number, tail=tail[-6:]):
                                self.assertIn(tail[tail.index("〆") :], printed)

    def test_the_form_prints_on_few_pages_as_kakunin_laid_them_out_with_a_clear_header(self):
        """Issue 23.9: LibreOffice printed 28 pages for 83 items, No.1 alone on the
        first, and the header's centre and right texts over each other. The columns
        now fill the page as Excel and LibreOffice both draw them, and LibreOffice
        breaks the pages exactly where the export put them."""
        for ward, most in ((False, 25), (True, 30)):
            with self.subTest(ward_copy=ward):
                data = export_assessment(actor=None, assessment=self.assessment, ward_copy=ward)
                sheet = openpyxl.load_workbook(io.BytesIO(data))["確認一覧表"]
                planned = len(sheet.row_breaks.brk) + 1
                with TemporaryDirectory() as tmp:
                    pdf = Path(tmp) / "form.pdf"
                    pdf.write_bytes(convert(data, "form.xlsx", "pdf"))
                    pages = list(extract_pages(pdf))
                self.assertEqual(len(pages), planned)  # nothing spilled onto extra pages
                self.assertLessEqual(len(pages), most)
                numbers = {
                    o.get_text().strip() for o in self.walk(pages[0]) if isinstance(o, LTTextLine)
                }
                self.assertLessEqual({"1", "2"}, numbers)  # No.1 is not alone on page 1
                for n, page in enumerate(pages, start=1):
                    top = [
                        o
                        for o in self.walk(page)
                        if isinstance(o, LTTextLine) and o.y0 > page.height - 40
                    ]
                    bottom = [o for o in self.walk(page) if isinstance(o, LTTextLine) and o.y1 < 40]
                    texts = {o.get_text().strip(): o for o in top}
                    policy = texts[
                        "千代田区情報セキュリティポリシー【対策基準】第4.0版に遵守しているかの対策項目です。"
                    ]
                    form = texts["システム導入に係るセキュリティ要件確認一覧表 第1版"]
                    self.assertLess(policy.x1, form.x0)  # side by side, not over each other
                    said = {o.get_text().strip() for o in bottom}
                    self.assertIn(self.system.name, said)
                    self.assertIn(f"{n} / {len(pages)}", said)

    def walk(self, obj):
        yield obj
        if hasattr(obj, "__iter__"):
            for child in obj:
                yield from self.walk(child)

    def text(self, page):
        return [o.get_text() for o in self.walk(page) if isinstance(o, LTTextLine)]
