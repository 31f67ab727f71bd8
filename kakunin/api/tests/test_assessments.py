"""Assessments and answers through the API: optimistic concurrency (ETag / If-Match),
the steps, comments and verdicts, evidence and its malware scan, the data views."""

from dataclasses import replace
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from kakunin.api.tests.base import ApiTestCase
from kakunin.assessments import workflow
from kakunin.assessments.models import Verdict
from kakunin.audit.models import Event
from kakunin.evidence.models import Evidence
from kakunin.reports.models import AnnualReport
from kakunin.reviews.actions import set_verdict
from testsupport.fixtures import (
    approve_on,
    fill_everything,
)
from testsupport.servers import EICAR, Clamd


class AnswerTestCase(ApiTestCase):
    def test_an_update_needs_the_etag_it_read(self):
        r = self.call("bob", "get", self.answer_url())
        etag = r["ETag"]
        r = self.call("bob", "patch", self.answer_url(), {"status": "done", "text": "12桁"})
        self.assertEqual(r.status_code, 428)
        self.assertEqual(r.json()["status"], 428)
        r = self.call("bob", "patch", self.answer_url(), {"status": "done", "text": "12桁"},
                      **{"If-Match": etag})  # fmt: skip
        self.assertEqual(r.status_code, 200, r.content)
        self.assertNotEqual(r["ETag"], etag)
        answer = self.answer("pw-composition")
        self.assertEqual((answer.status, answer.text), ("done", "12桁"))
        self.assertEqual(answer.revisions.first().source, "api")
        # Someone else's edit in between: the old ETag no longer fits.
        r = self.call("alice", "patch", self.answer_url(), {"text": "上書き"}, **{"If-Match": etag})
        self.assertEqual(r.status_code, 412)
        self.assertIn("読み直して", r.json()["detail"])
        self.assertEqual(self.answer("pw-composition").text, "12桁")

    def test_bad_input_is_a_clear_problem_and_changes_nothing(self):
        cases = [
            ({"status": "maybe"}, "status"),
            ({"target_date": "tomorrow"}, "target_date"),
            ({"status": "na", "text": ""}, ""),  # 該当なし needs a reason
            ({"text": "x" * 10_001}, ""),
            ({"txet": "a misspelt field is not dropped without a word"}, "txet"),
            ({"text": "\x00"}, "text"),
        ]
        for data, field in cases:
            with self.subTest(data=str(data)[:40]):
                r = self.call("bob", "patch", self.answer_url(), data, **{"If-Match": self.etag()})
                self.assertEqual(r.status_code, 400, r.content)
                body = r.json()
                self.assertEqual(r["Content-Type"], "application/problem+json")
                self.assertTrue(body["detail"])
                if field:
                    self.assertIn(field, body["errors"])
        self.assertEqual(self.answer("pw-composition").version, 0)
        r = Client().patch(
            self.answer_url(), "{not json", content_type="application/json",
            headers={"Authorization": f"Bearer {self.secrets['bob']}", "If-Match": self.etag()},
        )  # fmt: skip
        self.assertEqual(r.status_code, 400)

    def test_a_session_needs_the_csrf_token_as_the_web_does(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.bob)
        self.assertEqual(client.get(self.answer_url()).status_code, 200)
        r = client.patch(self.answer_url(), {"text": "x"}, content_type="application/json",
                         headers={"If-Match": self.etag()})  # fmt: skip
        self.assertEqual(r.status_code, 403)
        self.assertIn("CSRF", r.json()["detail"])
        client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        token = client.cookies["csrftoken"].value
        r = client.patch(self.answer_url(), {"text": "x"}, content_type="application/json",
                         headers={"If-Match": self.etag(), "X-CSRFToken": token})  # fmt: skip
        self.assertEqual(r.status_code, 200, r.content)


class StepTestCase(ApiTestCase):
    def step(self, persona, name, data=None):
        return self.call(persona, "post", reverse(f"api:{name}", args=[self.assessment.pk]), data)

    def test_an_assessment_goes_through_its_steps_as_on_the_web(self):
        r = self.step("bob", "submit")
        self.assertEqual(r.status_code, 409)
        body = r.json()
        self.assertEqual(r["Content-Type"], "application/problem+json")
        self.assertIn("未完了", body["detail"])
        self.assertTrue(body["problems"])  # item by item
        fill_everything(self.assessment, self.bob)
        r = self.step("bob", "submit")
        self.assertEqual((r.status_code, r.json()["state"]), (200, "submitted"), r.content)
        self.assertEqual(self.step("bob", "submit").status_code, 403)  # not twice
        self.assertEqual(self.step("rita", "start_review").json()["state"], "in_review")
        r = self.step("rita", "approve")
        self.assertEqual(r.status_code, 409)
        self.assertIn("No.", r.json()["problems"][0])
        self.assertEqual(self.step("rita", "return", {"note": "x"}).status_code, 409)  # none to fix
        set_verdict(
            actor=self.rita,
            answer=self.answer("pw-composition"),
            verdict=Verdict.FIX,
            comment="桁数は？",
        )
        r = self.step("rita", "return", {"note": "\u202e逆"})
        self.assertEqual(r.status_code, 400)  # the web's rule: no bidi controls
        r = self.step("rita", "return", {"note": "No.5 の桁数を確認してください"})
        self.assertEqual((r.status_code, r.json()["state"]), (200, "returned"), r.content)
        self.assessment.refresh_from_db()
        self.assertEqual(self.assessment.return_note, "No.5 の桁数を確認してください")
        actions_recorded = list(
            Event.objects.filter(action__startswith="assessment.").values_list("action", flat=True)
        )
        self.assertIn("assessment.return", actions_recorded)


class CommentAndVerdictTestCase(ApiTestCase):
    def comments_url(self):
        return reverse("api:comments", args=[self.assessment.pk, "pw-composition"])

    def verdict_url(self):
        return reverse("api:verdict", args=[self.assessment.pk, "pw-composition"])

    def test_the_thread_and_the_verdict_follow_the_web_rules(self):
        r = self.call("bob", "post", self.comments_url(), {"body": "記号は使えますか？"})
        self.assertEqual(r.status_code, 201, r.content)
        for bad in [{"body": ""}, {"body": "x" * 4001}, {"body": "\u202e逆"}, {}, {"body": ["x"]}]:
            with self.subTest(bad=str(bad)[:30]):
                r = self.call("bob", "post", self.comments_url(), bad)
                self.assertEqual(r.status_code, 400, r.content)
                self.assertEqual(r["Content-Type"], "application/problem+json")
        thread = self.call("rita", "get", self.comments_url()).json()
        self.assertEqual(
            [(c["author"], c["body"]) for c in thread], [("bob", "記号は使えますか？")]
        )

        self.assertEqual(
            self.call("rita", "put", self.verdict_url(), {"verdict": "ok"}).status_code, 409
        )
        fill_everything(self.assessment, self.bob)
        self.assertEqual(
            self.call("bob", "post", reverse("api:submit", args=[self.assessment.pk])).status_code,
            200,
        )
        self.call("rita", "post", reverse("api:start_review", args=[self.assessment.pk]))
        r = self.call("rita", "put", self.verdict_url(), {"verdict": "fix"})
        self.assertEqual(r.status_code, 409)  # 要修正 needs a comment
        self.assertIn("コメント", r.json()["detail"])
        r = self.call(
            "rita", "put", self.verdict_url(), {"verdict": "fix", "comment": "12桁にしてください"}
        )
        self.assertEqual((r.status_code, r.json()["verdict"]), (200, "fix"), r.content)
        self.assertEqual(
            self.call("rita", "put", self.verdict_url(), {"verdict": "maybe"}).status_code, 400
        )
        thread = self.call("bob", "get", self.comments_url()).json()
        self.assertEqual(thread[-1]["body"], "12桁にしてください")
        self.assertTrue(Event.objects.filter(action="answer.verdict").exists())


class EvidenceTestCase(ApiTestCase):
    def url(self):
        return reverse("api:evidence", args=[self.assessment.pk, "pw-composition"])

    def upload(self, name, data, persona="bob"):
        return self.call(persona, "post", self.url(), {"file": SimpleUploadedFile(name, data)})

    def test_an_upload_is_kept_listed_and_downloaded_as_on_the_web(self):
        r = self.upload("規程.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        self.assertEqual(r.status_code, 201, r.content)
        kept = r.json()
        self.assertEqual((kept["filename"], kept["kind"]), ("規程.pdf", "pdf"))
        listed = self.call("rita", "get", self.url()).json()
        self.assertEqual([f["id"] for f in listed], [kept["id"]])
        url = reverse("api:evidence_file", args=[self.assessment.pk, kept["id"]])
        r = self.call("audrey", "get", url)
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.content.startswith(b"%PDF"))
        self.assertIn("attachment", r["Content-Disposition"])
        self.assertTrue(Event.objects.filter(action="evidence.download").exists())
        self.assertEqual(self.call("charlie", "get", url).status_code, 404)

    @override_settings(EVIDENCE_MAX_BYTES=1000)
    def test_each_bad_upload_is_refused_with_the_webs_message_and_nothing_kept(self):
        for name, data, message in [
            ("big.txt", b"x" * 1001, "大きすぎます"),
            ("empty.txt", b"", "空"),
            ("tool.exe", b"MZ\x90\x00" + b"\0" * 60, "だけを添付できます"),
            ("report.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "一致しません"),
        ]:
            with self.subTest(name=name):
                r = self.upload(name, data)
                self.assertEqual(r.status_code, 400, r.content)
                self.assertEqual(r["Content-Type"], "application/problem+json")
                self.assertIn(message, r.json()["detail"])
        r = self.call("bob", "post", self.url(), {"text": "no file"})
        self.assertEqual(r.status_code, 415)  # not multipart
        self.assertFalse(Evidence.objects.exists())


class MalwareTestCase(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clamd = Clamd()

    @classmethod
    def tearDownClass(cls):
        cls.clamd.stop()
        super().tearDownClass()

    def test_an_infected_upload_is_refused_and_recorded(self):
        url = reverse("api:evidence", args=[self.assessment.pk, "pw-composition"])
        with override_settings(CLAMAV_SOCKET=str(self.clamd.socket)):
            r = self.call("bob", "post", url, {"file": SimpleUploadedFile("eicar.txt", EICAR)})
            self.assertEqual(r.status_code, 400)
            self.assertIn("ウイルスが検出された", r.json()["detail"])
            clean = self.call("bob", "post", url, {"file": SimpleUploadedFile("ok.txt", b"policy")})
            self.assertEqual(clean.status_code, 201)
        self.assertEqual(Evidence.objects.count(), 1)
        self.assertTrue(Event.objects.filter(action="evidence.malware").exists())


class DataViewTestCase(ApiTestCase):
    def test_ward_staff_reading_another_departments_data_is_recorded_as_on_the_web(self):
        for name, args in [
            ("api:system", [self.system.pk]),
            ("api:assessment", [self.assessment.pk]),
        ]:
            with self.subTest(endpoint=name):
                before = Event.objects.filter(action="data.view").count()
                self.call("alice", "get", reverse(name, args=args))  # her own department's
                self.call("bob", "get", reverse(name, args=args))  # the vendor's own
                self.assertEqual(Event.objects.filter(action="data.view").count(), before)
                self.call("rita", "get", reverse(name, args=args))
                views = Event.objects.filter(action="data.view")
                self.assertEqual(views.count(), before + 1)
                self.assertEqual(views.latest("seq").actor, self.rita)


class OneTableOfStepsTestCase(ApiTestCase):
    """The steps, who may take each and which action runs are one table per reviewed
    kind (workflow.register_steps): the web, the API and the yearly report's pages all
    read it, so changing the table changes all of them."""

    def setUp(self):
        super().setUp()
        approve_on(self.assessment)  # in operation: its yearly report can be started
        self.report = AnnualReport.objects.create(
            system=self.system, fiscal_year=2024, created_by=self.bob
        )

    def web_approve(self):
        self.client.force_login(self.rita)
        return self.client.post(reverse("reviews:approve", args=[self.assessment.pk]))

    def api_approve(self):
        return self.call("rita", "post", reverse("api:approve", args=[self.assessment.pk]))

    def report_submit(self):
        self.client.force_login(self.bob)
        url = reverse("reports:annual_step", args=[self.system.pk, 2024, "submit"])
        return self.client.post(url)

    def test_the_web_the_api_and_the_reports_follow_the_one_table(self):
        # As the table stands: the reviewer may decide (the state refuses: approved).
        self.assertEqual(self.web_approve().status_code, 302)
        self.assertEqual(self.api_approve().status_code, 409)
        self.assertEqual(self.report_submit().status_code, 302)
        nobody = lambda user, thing: False  # noqa: E731
        assessment_steps = workflow.STEPS["assessments.Assessment"]
        report_steps = workflow.STEPS["reports.AnnualReport"]
        with (
            mock.patch.dict(
                assessment_steps, approve=replace(assessment_steps["approve"], allowed=nobody)
            ),
            mock.patch.dict(report_steps, submit=replace(report_steps["submit"], allowed=nobody)),
        ):
            self.assertEqual(self.web_approve().status_code, 403)
            self.assertEqual(self.api_approve().status_code, 403)
            self.assertEqual(self.report_submit().status_code, 403)
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, "submitted")  # the first submit, before

    def test_a_step_a_kind_does_not_have_is_not_found(self):
        self.client.force_login(self.rita)
        for step in ("mark_ok", "new_revision", "judge", "nonsense"):
            url = reverse("reports:annual_step", args=[self.system.pk, 2024, step])
            with self.subTest(step=step):
                self.assertEqual(self.client.post(url).status_code, 404)
