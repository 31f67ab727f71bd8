"""Issue 23.15: the PDFs are made by the job worker, never inside a request that a
timeout can kill; the page follows the job and offers the download."""

from datetime import timedelta
from unittest import mock

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from kakunin.audit.models import Event
from kakunin.reports import annual, printing
from kakunin.reports.models import AnnualReport, PdfJob
from kakunin.reports.tests.test_pdf import ApprovedTestCase


class PrintingTestCase(ApprovedTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.alice)
        self.url = reverse("reports:assessment_pdf", args=[self.assessment.pk])

    def ask(self, run: bool = False):
        with self.captureOnCommitCallbacks(execute=run):
            return self.client.post(self.url)

    def test_the_request_only_asks_and_the_worker_prints(self):
        with mock.patch("kakunin.reports.pdf.write", side_effect=AssertionError("in request")):
            r = self.ask()
        job = PdfJob.objects.get()
        self.assertRedirects(r, reverse("reports:pdf_job", args=[job.pk]))
        self.assertEqual((job.state, job.data, job.requested_by), ("pending", None, self.alice))
        page = self.client.get(r["Location"])
        self.assertContains(page, "順番を待っています")
        self.assertContains(page, 'hx-trigger="every 1s"')
        self.assertNotContains(page, "/download/")
        # The worker's turn (huey's task, run here as the worker would).
        printing.make(job.pk)
        job.refresh_from_db()
        self.assertEqual(job.state, "done")
        self.assertTrue(bytes(job.data).startswith(b"%PDF-"))
        self.assertGreater(job.pages, 10)
        fragment = self.client.get(r["Location"], headers={"HX-Request": "true"})
        self.assertNotContains(fragment, "<html")
        self.assertContains(fragment, f"できあがりました（{job.pages} ページ")
        self.assertNotContains(fragment, "hx-trigger")
        download = self.client.get(reverse("reports:pdf_download", args=[job.pk]))
        self.assertEqual(download["Content-Type"], "application/pdf")
        self.assertEqual(download.content, bytes(job.data))
        self.assertIn("attachment", download["Content-Disposition"])
        self.assertEqual(
            Event.objects.get(action="report.pdf", actor=self.alice).changes,
            {"bytes": [None, job.size]},
        )

    def test_asking_again_follows_the_job_under_way(self):
        first = self.ask()
        self.assertEqual(self.ask()["Location"], first["Location"])
        self.assertEqual(PdfJob.objects.count(), 1)

    def test_too_many_under_way_are_refused_with_a_message(self):
        report = AnnualReport.objects.create(
            system=self.system, fiscal_year=annual.reporting_year(), created_by=self.bob
        )
        with override_settings(PDF_MAX_UNFINISHED=1):
            self.ask()
            r = self.client.post(
                reverse("reports:annual_pdf", args=[self.system.pk, report.fiscal_year]),
                follow=True,
            )
        self.assertRedirects(r, report.get_absolute_url())
        self.assertContains(r, "作成中の PDF が 1 件あります")
        self.assertEqual(PdfJob.objects.count(), 1)

    def test_a_failure_is_said_on_the_page_and_nothing_is_kept(self):
        self.ask()
        job = PdfJob.objects.get()
        with (
            mock.patch("kakunin.reports.pdf.write", side_effect=RuntimeError("boom")),
            self.assertLogs("kakunin.reports.printing", "ERROR"),
        ):
            printing.make(job.pk)
        job.refresh_from_db()
        self.assertEqual((job.state, job.data), ("failed", None))
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "PDF を作成できませんでした")
        self.assertNotContains(page, "hx-trigger")
        r = self.client.get(reverse("reports:pdf_download", args=[job.pk]))
        self.assertRedirects(r, job.get_absolute_url())
        self.assertFalse(Event.objects.filter(action="report.pdf").exists())

    def test_a_job_the_worker_never_took_is_shown_as_stopped_and_can_be_asked_again(self):
        self.ask()
        job = PdfJob.objects.get()
        PdfJob.objects.update(created_at=timezone.now() - timedelta(minutes=11))
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, "PDF の作成が止まっています")
        self.assertNotContains(page, "hx-trigger")
        self.assertNotEqual(self.ask()["Location"], job.get_absolute_url())

    def test_it_prints_in_the_language_of_the_request(self):
        self.alice.language = "en"
        self.alice.save(update_fields=["language"])
        self.ask()
        job = PdfJob.objects.get()
        self.assertEqual(job.language, "en")
        seen = []

        def write(html):
            seen.append(translation.get_language())
            return b"%PDF-1.7", 1

        with mock.patch("kakunin.reports.pdf.write", side_effect=write):
            printing.make(job.pk)
        self.assertEqual(seen, ["en"])

    def test_old_pdfs_are_forgotten(self):
        self.ask(run=True)
        self.assertEqual(printing.forget_old(), 0)
        self.assertEqual(printing.forget_old(timezone.now() + timedelta(hours=25)), 1)
        self.assertFalse(PdfJob.objects.exists())

    def test_a_pdf_of_an_assessment_no_longer_approved_is_not_given(self):
        self.ask(run=True)
        job = PdfJob.objects.get()
        self.assessment.state = "returned"
        self.assessment.save()
        self.assertEqual(self.client.get(job.get_absolute_url()).status_code, 404)
        r = self.client.get(reverse("reports:pdf_download", args=[job.pk]))
        self.assertEqual(r.status_code, 404)
