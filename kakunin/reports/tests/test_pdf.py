import io
import re
import zipfile
import zlib
from datetime import timedelta

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kakunin.assessments.actions import submit
from kakunin.assessments.models import State
from kakunin.audit.models import Event
from kakunin.evidence.actions import add_evidence
from kakunin.forms_xlsx.actions import export_assessment
from kakunin.forms_xlsx.layout import column_number
from kakunin.reports import annual, exports
from kakunin.reports.models import AnnualReport, PdfJob
from kakunin.reports.pdf import FetchRefused, refuse_fetch, render_html
from kakunin.reviews import actions as review
from testsupport.fixtures import BaseTestCase, download_pdf, fill_everything, make_scan


def pdf_text(data: bytes) -> str:
    """The PDF's streams, inflated: enough to find font names in."""
    out = [data.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


class ApprovedTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        answers = cls.assessment.answers
        fill_everything(cls.assessment, cls.bob)
        cls.evidence = add_evidence(
            actor=cls.bob,
            answer=answers.get(item__key="pw-composition"),
            upload=SimpleUploadedFile("規程.txt", "パスワード規程".encode()),
        )
        submit(actor=cls.bob, assessment=cls.assessment)
        review.start_review(actor=cls.rita, assessment=cls.assessment)
        review.set_verdict(
            actor=cls.rita,
            answer=answers.select_related("assessment").get(item__key="pw-rotation"),
            verdict="ok",
            comment="確認しました",
        )
        review.mark_remaining_ok(actor=cls.rita, assessment=cls.assessment)
        review.approve(actor=cls.rita, assessment=cls.assessment)
        cls.assessment.refresh_from_db()


class PdfTestCase(ApprovedTestCase):
    def test_an_approved_assessment_exports_as_pdf_with_the_cjk_font_embedded(self):
        self.client.force_login(self.alice)
        r = download_pdf(self, reverse("reports:assessment_pdf", args=[self.assessment.pk]))
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertTrue(r.content.startswith(b"%PDF-"))
        text = pdf_text(r.content)
        self.assertIn("NotoSansCJK", text)
        self.assertIn("/FontFile", text)
        self.assertTrue(Event.objects.filter(action="report.pdf", actor=self.alice).exists())

    def test_a_draft_has_no_pdf(self):
        self.assessment.state = State.DRAFT
        self.assessment.save()
        self.client.force_login(self.alice)
        self.assertEqual(
            self.client.post(
                reverse("reports:assessment_pdf", args=[self.assessment.pk])
            ).status_code,
            403,
        )
        self.assertFalse(PdfJob.objects.exists())

    def test_the_pdf_holds_every_item_verdict_comment_hash_and_the_approval(self):
        html = render_html(self.assessment)
        self.assertEqual(html.count('class="no">No.'), 83)
        self.assertIn("適合", html)
        self.assertIn("確認しました", html)
        self.assertIn(self.evidence.sha256, html)
        self.assertIn("Rita", html)
        self.assertIn(self.assessment.approved_at.astimezone().strftime("%Y-%m-%d"), html)

    def test_the_pdfs_name_the_municipality_and_its_policy_line(self):
        municipality = self.system.municipality
        municipality.policy_line = "千代田区情報セキュリティポリシーに基づく確認"
        municipality.save()
        html = render_html(self.assessment)
        self.assertIn(f"<td>{municipality.name}</td>", html)
        report = AnnualReport.objects.create(
            system=self.system, fiscal_year=2025, created_by=self.bob
        )
        page = exports.pdf_html(report, annual.build(self.system, 2025))
        self.assertIn(f"<td>{municipality.name}</td>", page)
        self.assertIn(f'<p class="policy-line">{municipality.policy_line}</p>', page)

    def test_the_pdf_carries_the_scan_the_assessment_was_approved_on(self):
        before = make_scan(
            self.system,
            {"tls-version": "fail"},
            finished_at=self.assessment.approved_at - timedelta(days=1),
            summary="承認前",
        )
        make_scan(
            self.system,
            {"tls-version": "pass"},
            finished_at=self.assessment.approved_at + timedelta(days=1),
            summary="承認後",
        )
        html = render_html(self.assessment)
        self.assertIn(f"（#{before.pk}）", html)
        self.assertIn("承認前 tls-version", html)
        self.assertNotIn("承認後", html)

    def test_every_table_is_laid_out_fixed(self):
        """Issue 23.15: WeasyPrint measured every Japanese line break to size the columns
        of 109 tables (11.8 s); with a fixed layout it takes the first row (`make bench`
        prints the time). Both PDFs' tables, every one."""
        report = AnnualReport(system=self.system, fiscal_year=annual.reporting_year())
        for html in (
            render_html(self.assessment),
            exports.pdf_html(report, annual.content_of(report)),
        ):
            style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
            self.assertRegex(style, r"(?m)^\s*table \{[^}]*table-layout: fixed")
            self.assertNotRegex(style, r"table-layout: auto")

    def test_weasyprint_fetches_nothing(self):
        with self.assertRaises(FetchRefused):
            refuse_fetch("http://example.com/logo.png")
        with self.assertRaises(FetchRefused):
            refuse_fetch("file:///etc/passwd")


class NoVersionsTestCase(ApprovedTestCase):
    """Item 37: the exports name no library and no version."""

    def test_the_pdf_names_no_producer_version(self):
        self.client.force_login(self.rita)
        data = download_pdf(
            self, reverse("reports:assessment_pdf", args=[self.assessment.pk])
        ).content
        text = pdf_text(data)
        self.assertNotIn("WeasyPrint", text)
        self.assertRegex(text, r"/Producer \(Kakunin\)")

    def test_the_excel_names_no_application_version(self):
        data = export_assessment(actor=self.bob, assessment=self.assessment)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            props = z.read("docProps/app.xml").decode() + z.read("docProps/core.xml").decode()
        self.assertNotRegex(props.lower(), r"openpyxl|\d+\.\d+\.\d+")
        self.assertIn("<Application>Kakunin</Application>", props)
        wb = openpyxl.load_workbook(io.BytesIO(data))  # still a workbook Excel opens
        self.assertEqual(wb.properties.creator, "Kakunin")


class WardCopyTestCase(ApprovedTestCase):
    def sheet(self, actor):
        self.client.force_login(actor)
        r = self.client.get(reverse("forms_xlsx:export", args=[self.assessment.pk]))
        return openpyxl.load_workbook(io.BytesIO(r.content))["確認一覧表"]

    def test_the_wards_excel_copy_carries_the_verdicts(self):
        ws = self.sheet(self.rita)
        self.assertEqual(ws["J4"].value, "審査結果")
        row = next(
            r
            for r in range(5, ws.max_row + 1)
            if ws.cell(r, column_number("key")).value == "pw-rotation"
        )
        self.assertIn("適合", ws.cell(row, column_number("verdict")).value)
        self.assertIn("確認しました", ws.cell(row, column_number("verdict")).value)

    def test_the_vendors_copy_does_not(self):
        ws = self.sheet(self.bob)
        self.assertIsNone(ws["J4"].value)
