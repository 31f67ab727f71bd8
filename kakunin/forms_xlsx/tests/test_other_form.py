"""A second municipality's form, laid out unlike Chiyoda's, from its Excel file to a
system assessed against it: the vendor answers on the web, exports that city's own
Excel form, fills it in LibreOffice Calc and imports it back; the scanner's and the
self-assessment's answers land on that form's items through their controls, and the
yearly report's sections are numbered by that form. No code names that form."""

import io
import json
import subprocess
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from kakunin.assessments.models import Assessment
from kakunin.catalog.layout import Layout
from kakunin.catalog.models import Template
from kakunin.forms_xlsx.models import FormImport
from kakunin.reports.models import numbered_sections
from kakunin.selfcheck import actions as selfcheck
from testsupport import municipal_form
from testsupport.fixtures import BaseTestCase, make_scan, make_system

FILL = Path(settings.BASE_DIR) / "testsupport" / "libreoffice_fill.py"
HX = {"HX-Request": "true"}


def filled_in_libreoffice(data: bytes, sheet: str, cells: dict[str, str]) -> bytes:
    with TemporaryDirectory() as tmp:
        source, target, edits = (Path(tmp) / n for n in ("in.xlsx", "out.xlsx", "edits.json"))
        source.write_bytes(data)
        edits.write_text(json.dumps({"sheet": sheet, "cells": cells}), encoding="utf-8")
        subprocess.run(
            ["/usr/bin/python3", str(FILL), str(source), str(target), str(edits)],
            check=True, capture_output=True, timeout=240,
        )  # fmt: skip
        return target.read_bytes()


@override_settings(FORM_IMPORT_MAX_BYTES=5_000_000)
class AnotherCitysFormTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "midori.xlsx"
            path.write_bytes(municipal_form.build())
            call_command("import_form_definition", str(path), "--key", "midori", stdout=StringIO())
        cls.city = Template.objects.get(key="midori")
        cls.items = {i.label: i for i in cls.city.items.all()}
        cls.web = make_system(
            cls.kodomo, [cls.alpha], created_by=cls.alice, name="みどり市予約システム",
            serves_web=True,
        )  # fmt: skip

    def new_assessment(self) -> Assessment:
        self.client.force_login(self.alice)
        data = {"phase": "initial", "fiscal_year": "2026", "template": self.city.pk}
        r = self.client.post(reverse("assessments:create", args=[self.web.pk]), data)
        self.assertEqual(r.status_code, 302, r.content.decode()[-1500:])
        return Assessment.objects.get(system=self.web)

    def save(self, assessment, label: str, status: str, text: str):
        item = self.items[label]
        answer = assessment.answers.get(item=item)
        url = reverse("assessments:save_item", args=[assessment.pk, item.key])
        data = {f"{item.key}-status": status, f"{item.key}-text": text,
                f"{item.key}-version": answer.version}  # fmt: skip
        return self.client.post(url, data, headers=HX)

    def test_the_vendor_answers_on_the_web_and_through_the_citys_excel_in_libreoffice(self):
        assessment = self.new_assessment()
        self.assertEqual(assessment.template, self.city)
        self.client.force_login(self.bob)
        r = self.save(assessment, "1-1", "done", "利用者ごとにIDを発行")
        self.assertContains(r, "保存しました")
        page = self.client.get(reverse("assessments:detail", args=[assessment.pk]) + "?all=1")
        self.assertContains(page, "No.1-1")
        self.assertContains(page, "No.9-2")

        # The city's own Excel form: its sheet, two header rows, its words.
        data = self.client.get(reverse("forms_xlsx:export", args=[assessment.pk])).content
        wb = openpyxl.load_workbook(io.BytesIO(data))
        layout = Layout.of(self.city)
        ws = wb[layout.sheet]
        self.assertEqual(
            (ws["A4"].value, ws["D4"].value, ws["D5"].value), ("No.", "事業者記入欄", "回答")
        )
        rows = {ws.cell(r, 1).value: r for r in range(6, ws.max_row + 1)}
        self.assertEqual(ws.cell(rows["1-1"], 5).value, "○")  # the web's 対応済, in the city's word
        statuses = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
        self.assertTrue(any(f.startswith('"○,') for f in statuses), statuses)

        # Filled in LibreOffice Calc, saved as xlsx, imported back.
        filled = filled_in_libreoffice(
            data,
            layout.sheet,
            {f"D{rows['2-1']}": "12文字以上、英大小・数字を必須", f"E{rows['2-1']}": "○",
             f"D{rows['8-1']}": "クラウドは利用しません", f"E{rows['8-1']}": "－"},
        )  # fmt: skip
        url = reverse("forms_xlsx:upload", args=[assessment.pk])
        r = self.client.post(url, {"file": SimpleUploadedFile("midori.xlsx", filled)})
        self.assertEqual(r.status_code, 302, r.content.decode()[-2000:])
        staged = FormImport.objects.get()
        changed = {c["number"]: c["new_status"] for c in staged.plan["changes"]}
        self.assertEqual(changed, {"2-1": "done", "8-1": "na"})
        self.assertEqual(staged.plan["skipped"], [])
        self.client.post(
            reverse("forms_xlsx:decide", args=[assessment.pk, staged.pk]), {"decision": "apply"}
        )
        answer = assessment.answers.get(item=self.items["2-1"])
        self.assertEqual((answer.status, answer.text), ("done", "12文字以上、英大小・数字を必須"))

    def test_the_scanner_lands_on_the_citys_items_through_their_controls(self):
        assessment = self.new_assessment()
        make_scan(self.web, {"tls-version": "fail", "cookie-flags": "pass"})
        self.client.force_login(self.rita)
        page = self.client.get(reverse("assessments:detail", args=[assessment.pk]) + "?all=1")
        text = page.content.decode()
        tls = text.split(f'id="scan-{self.items["3-1"].key}"')[1].split("</div>")[0]
        self.assertIn("不適合", tls)
        cookie = text.split(f'id="scan-{self.items["3-3"].key}"')[1].split("</div>")[0]
        self.assertIn("適合", cookie)
        self.assertNotIn(f'id="scan-{self.items["1-1"].key}"', text)
        scan_page = self.client.get(self.web.scans.get().get_absolute_url())
        self.assertContains(scan_page, "No.3-1 3 通信の保護")

    def test_the_yearly_reports_sections_are_numbered_by_the_citys_form(self):
        self.new_assessment()
        web = type(self.web).objects.get(pk=self.web.pk)
        sections = {key: numbers for key, numbers, _t in numbered_sections(web)}
        self.assertEqual(sections["backups"], "6-1, 6-2, 6-3")
        self.assertEqual(sections["vulnerability_assessments"], "7-2")
        self.assertEqual(sections["disposals"], "9-1")
        self.assertEqual(sections["certifications"], "")  # the city's form asks nothing of it

    @override_settings(DEFAULT_FORM="midori")
    def test_the_self_assessment_answers_the_citys_items_through_their_controls(self):
        outcome = selfcheck.run(actor=self.adam, scan=False)
        assessment = outcome.assessment
        self.assertEqual(assessment.template, self.city)
        storage = assessment.answers.get(item=self.items["2-3"])
        self.assertIn("ソルト付きハッシュ", storage.text)
        self.assertIn(storage.status, ("done", "not_done"))  # tests hash with MD5: not done
        lockout = assessment.answers.get(item=self.items["2-2"])
        self.assertIn("10", lockout.text)
