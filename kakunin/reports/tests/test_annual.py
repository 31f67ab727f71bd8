import datetime
import io
import json
import zipfile
from decimal import Decimal
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import openpyxl
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kakunin.assessments.models import Assessment
from kakunin.audit.models import Event
from kakunin.core import kept
from kakunin.inventory.models import Component, Finding, Vulnerability
from kakunin.notifications.models import Notification
from kakunin.records.models import Kind, Record, fiscal_year_of
from kakunin.records.tests.test_records import valid
from kakunin.reports import annual, exports
from kakunin.reports.models import SECTION_KEYS, AnnualReport, Schedule
from kakunin.reports.tasks import remind_reports
from kakunin.reports.tests.test_pdf import pdf_text
from kakunin.tenants.active import activated
from kakunin.tenants.models import Municipality
from testsupport.fixtures import BaseTestCase, approve_on, download_pdf

YEAR = 2024  # 2024-04-01 … 2025-03-31, long past whatever day the suite runs
KEYS = ["system", "fiscal_year", *SECTION_KEYS]


def record(system, kind, day, actor, until=None, **data):
    return Record.objects.create(
        system=system,
        kind=kind,
        date=day,
        until=until,
        data=data,
        entered_by=actor,
        updated_by=actor,
    )


class AnnualTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        approve_on(self.assessment)  # in operation since 2024-01-01
        self.url = reverse("reports:annual", args=[self.system.pk, YEAR])

    def fill_year(self):
        d = datetime.date
        record(
            self.system,
            Kind.ADMIN_REVIEW,
            d(2024, 6, 1),
            self.bob,
            d(2025, 6, 1),
            reviewer="山田",
            accounts=[{"account": "root", "holder": "佐藤 花子", "purpose": ""}],
            removed=[],
            shared=[],
            result="問題なし",
            next_review="2025-06-01",
        )
        record(
            self.system,
            Kind.ADMIN_REVIEW,
            d(2023, 6, 1),
            self.bob,
            d(2024, 6, 1),
            reviewer="前年度",
            accounts=[],
            removed=[],
            shared=[],
            result="前年度の点検",
            next_review="2024-06-01",
        )
        record(
            self.system,
            Kind.LOG_REVIEW,
            d(2024, 9, 30),
            self.bob,
            period_start="2024-04-01",
            logs=["operation"],
            findings="異常なし",
            actions="",
            retention_place="ログサーバ",
            retention_months=12,
        )
        record(
            self.system,
            Kind.BACKUP,
            d(2023, 5, 1),
            self.bob,
            target="DB",
            frequency="daily",
            frequency_note="",
            generations=7,
            offsite="別拠点",
            restore_tests=[
                {"day": "2023-05-01", "result": "success", "note": "前年度"},
                {"day": "2024-10-01", "result": "success", "note": "今年度"},
            ],
        )
        record(
            self.system,
            Kind.CERTIFICATION,
            d(2022, 4, 1),
            self.bob,
            d(2025, 3, 1),
            scheme="isms",
            scheme_other="",
            number="IS 1",
            holder="アルファ",
            scope="全社",
            certifier="審査機関",
            valid_until="2025-03-01",
        )
        record(
            self.system,
            Kind.CERTIFICATION,
            d(2020, 4, 1),
            self.bob,
            d(2023, 3, 1),
            scheme="pmark",
            scheme_other="",
            number="old",
            holder="アルファ",
            scope="全社",
            certifier="JIPDEC",
            valid_until="2023-03-01",
        )
        Component.objects.create(system=self.system, kind="os", product="RHEL", version="9.4", latest_version="9.5", not_latest_reason="検証中")  # fmt: skip


class ContentTestCase(AnnualTestCase):
    def test_the_json_has_one_key_per_section(self):
        content = annual.build(self.system, YEAR)
        self.assertEqual(list(content), KEYS)
        self.assertEqual(content["fiscal_year"], YEAR)
        self.assertEqual(content["system"]["name"], self.system.name)
        for key in SECTION_KEYS:
            self.assertEqual(content[key], [], key)

    def test_an_empty_section_says_so(self):
        self.client.force_login(self.bob)
        page = self.client.get(self.url).content.decode()
        self.assertEqual(page.count("この年度の記録はありません。"), 7)
        self.assertIn("構成要素が登録されていません。", page)
        self.assertIn("この年度に該当した脆弱性情報はありません。", page)

    def test_it_takes_the_records_of_the_year(self):
        self.fill_year()
        content = annual.build(self.system, YEAR)
        self.assertEqual(
            [r["data"]["reviewer"] for r in content["admin_account_reviews"]], ["山田"]
        )
        self.assertEqual(len(content["log_reviews"]), 1)
        problems = json.loads(json.dumps(content["log_reviews"][0]["problems"]))
        self.assertIn("2年（24か月）未満", json.dumps(problems, ensure_ascii=False))
        # A backup set up before the year stands in it, with only the year's restore tests.
        self.assertEqual(
            [t["note"] for t in content["backups"][0]["data"]["restore_tests"]], ["今年度"]
        )
        # The certificate valid during the year is in it; one that ended before is not.
        self.assertEqual([r["data"]["number"] for r in content["certifications"]], ["IS 1"])
        self.assertEqual(content["software"][0]["not_latest_reason"], "検証中")
        self.assertFalse(content["software"][0]["is_latest"])

    def test_withdrawn_records_are_not_reported(self):
        self.fill_year()
        Record.objects.filter(kind=Kind.LOG_REVIEW).update(withdrawn_at=timezone.now())
        self.assertEqual(annual.build(self.system, YEAR)["log_reviews"], [])


class WorkflowTestCase(AnnualTestCase):
    def step(self, name, **data):
        return self.client.post(
            reverse("reports:annual_step", args=[self.system.pk, YEAR, name]), data
        )

    def judge(self, section, verdict, comment=""):
        url = reverse("reports:annual_verdict", args=[self.system.pk, YEAR])
        return self.client.post(url, {"section": section, "verdict": verdict, "comment": comment})

    def test_from_draft_to_approval(self):
        self.fill_year()
        self.client.force_login(self.bob)
        self.client.post(reverse("reports:annual_start", args=[self.system.pk, YEAR]))
        report = AnnualReport.objects.get()
        self.assertEqual(report.state, "draft")
        self.step("submit")
        report.refresh_from_db()
        self.assertEqual((report.state, report.round), ("submitted", 1))
        self.assertTrue(Notification.objects.filter(user=self.rita, kind="submitted").exists())
        # What was submitted stays as it was, whatever the records say later.
        Record.objects.filter(kind=Kind.ADMIN_REVIEW, date__year=2024).update(
            data={"reviewer": "後から変更"}
        )
        self.assertIn("山田", self.client.get(self.url).content.decode())
        self.assertEqual(self.step("approve").status_code, 403)

        self.client.force_login(self.rita)
        self.step("start_review")
        self.judge("log_reviews", "fix", "保管期間が2年未満です")
        r = self.step("approve")
        report.refresh_from_db()
        self.assertEqual(report.state, "in_review")
        messages = [str(m) for m in r.wsgi_request._messages]
        self.assertIn("「適合」でない節があるため承認できません。", messages)
        self.step("return", note="ログの保管期間を延ばしてください")
        report.refresh_from_db()
        self.assertEqual(report.state, "returned")
        returned = Notification.objects.get(user=self.bob, kind="returned")
        self.assertIn("ログの保管期間を延ばしてください", returned.body)
        self.assertIn("29, 71–72 ログの点検", returned.body)  # the items of its controls

        self.client.force_login(self.bob)
        page = self.client.get(self.url).content.decode()
        self.assertIn("ログの保管期間を延ばしてください", page)
        self.assertIn("後から変更", page)  # a returned report is generated again
        self.step("submit")
        self.client.force_login(self.rita)
        self.step("start_review")
        for key in SECTION_KEYS:
            self.judge(key, "ok")
        self.step("approve")
        report.refresh_from_db()
        self.assertEqual(report.state, "approved")
        self.assertEqual(report.approved_by, self.rita)
        self.assertTrue(Notification.objects.filter(user=self.bob, kind="approved").exists())
        actions = set(
            Event.objects.filter(object_type="reports.annualreport").values_list(
                "action", flat=True
            )
        )
        self.assertLessEqual(
            {
                "annual.start",
                "annual.submit",
                "annual.start_review",
                "annual.verdict",
                "annual.return",
                "annual.approve",
            },
            actions,
        )
        self.assertTrue(Event.verify_chain() if hasattr(Event, "verify_chain") else True)

    def test_a_year_that_cannot_be_reported_is_not_found(self):
        self.client.force_login(self.bob)
        next_year = timezone.localdate().year + 2
        for year in (1999, next_year):
            with self.subTest(year=year):
                self.assertEqual(
                    self.client.get(
                        reverse("reports:annual", args=[self.system.pk, year])
                    ).status_code,
                    404,
                )
                r = self.client.post(reverse("reports:annual_start", args=[self.system.pk, year]))
                self.assertEqual(r.status_code, 404)
        self.assertFalse(AnnualReport.objects.exists())

    def test_bad_verdicts_and_notes_get_a_message(self):
        self.client.force_login(self.bob)
        self.client.post(reverse("reports:annual_start", args=[self.system.pk, YEAR]))
        self.step("submit")
        self.client.force_login(self.rita)
        r = self.judge("no_such_section", "ok")
        self.assertIn("審査結果を選んでください。", [str(m) for m in r.wsgi_request._messages])
        r = self.judge("software", "ok")  # not in review yet
        self.assertIn(
            "審査中の確認票にだけ審査結果を付けられます。",
            [str(m) for m in r.wsgi_request._messages],
        )
        self.step("start_review")
        r = self.step("return", note="")
        self.assertIn("差し戻す理由", " ".join(str(m) for m in r.wsgi_request._messages))
        r = self.step("return", note="理由\u202e")
        self.assertIn("制御文字（RLO など）", " ".join(str(m) for m in r.wsgi_request._messages))
        self.assertEqual(AnnualReport.objects.get().state, "in_review")

    def test_comments_on_a_section_reach_the_other_side(self):
        self.client.force_login(self.bob)
        self.client.post(reverse("reports:annual_start", args=[self.system.pk, YEAR]))
        self.client.force_login(self.rita)
        url = reverse("reports:annual_comment", args=[self.system.pk, YEAR])
        self.client.post(url, {"section": "backups", "body": "復元テストの記録を追加してください"})
        self.assertTrue(Notification.objects.filter(user=self.bob, kind="comment").exists())
        self.client.force_login(self.bob)
        self.assertIn(
            "復元テストの記録を追加してください", self.client.get(self.url).content.decode()
        )


class ExportTestCase(AnnualTestCase):
    def setUp(self):
        super().setUp()
        self.fill_year()
        Record.objects.filter(kind=Kind.ADMIN_REVIEW).update(
            data={
                "reviewer": '=HYPERLINK("http://evil")',
                "accounts": [],
                "removed": [],
                "shared": [],
                "result": "",
                "next_review": "",
            }
        )
        self.client.force_login(self.bob)
        self.client.post(reverse("reports:annual_start", args=[self.system.pk, YEAR]))

    def export(self, fmt):
        if fmt == "pdf":  # made by the worker (printing.py)
            r = download_pdf(self, reverse("reports:annual_pdf", args=[self.system.pk, YEAR]))
        else:
            r = self.client.get(reverse("reports:annual_export", args=[self.system.pk, YEAR, fmt]))
        self.assertEqual(r.status_code, 200)
        return r.content

    def test_the_json_export(self):
        data = json.loads(self.export("json"))
        self.assertEqual(list(data), KEYS)
        self.assertIn("2年（24か月）未満", data["log_reviews"][0]["problems"][0])
        self.assertTrue(Event.objects.filter(action="annual.export").exists())

    def test_the_pdf_has_the_stamp_box_and_every_section(self):
        pdf = self.export("pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertFalse(b"WeasyPrint" in pdf)
        inside = pdf_text(pdf)
        self.assertIn("NotoSansCJK", inside)
        self.assertIn("/FontFile", inside)
        report = AnnualReport.objects.get()
        html = exports.pdf_html(report, annual.content_of(report))
        self.assertNotIn("{#", html)  # a template comment printed under each heading
        for word in (
            "決裁欄",
            "課長",
            "係長",
            "担当",
            self.system.name,
            "No.69, 72 管理者アカウントの点検",
            "この年度の記録はありません。",
        ):
            self.assertIn(word, html)

    def test_the_excel_export_keeps_text_as_text(self):
        data = self.export("xlsx")
        wb = openpyxl.load_workbook(io.BytesIO(data))
        self.assertEqual(len(wb.sheetnames), 10)  # a cover and one sheet per section
        admin = wb[next(n for n in wb.sheetnames if n.startswith("69, 72"))]
        cell = admin.cell(row=3, column=3)
        self.assertEqual(cell.value, '=HYPERLINK("http://evil")')
        self.assertEqual(cell.data_type, "s")
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.assertFalse(b"penpyxl" in z.read("docProps/app.xml"))

    def test_an_unknown_format_is_not_found(self):
        r = self.client.get(reverse("reports:annual_export", args=[self.system.pk, YEAR, "docx"]))
        self.assertEqual(r.status_code, 404)


class CommandTestCase(AnnualTestCase):
    def test_it_writes_each_format(self):
        self.fill_year()
        out = StringIO()
        call_command("annual_report", str(self.system.pk), "--year", str(YEAR), stdout=out)
        self.assertEqual(list(json.loads(out.getvalue())), KEYS)
        with TemporaryDirectory() as tmp:
            for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("json", b"{")):
                path = Path(tmp) / f"r.{fmt}"
                call_command(
                    "annual_report",
                    str(self.system.pk),
                    "--year",
                    str(YEAR),
                    "--format",
                    fmt,
                    "-o",
                    str(path),
                    stderr=StringIO(),
                )
                self.assertTrue(path.read_bytes().startswith(magic))

    def test_bad_arguments_are_clear_errors(self):
        cases = [
            ([str(self.system.pk), "--year", "1999"], "年度「1999」は使えません"),
            ([str(self.system.pk), "--year", "令和6"], "年度「令和6」は使えません"),
            ([str(self.system.pk), "--year", str(timezone.localdate().year + 2)], "は使えません"),
            (["999999", "--year", str(YEAR)], "システム 999999 はありません"),
            (
                [str(self.system.pk), "--year", str(YEAR), "--format", "pdf"],
                "-o でファイルを指定してください",
            ),
            (
                [str(self.system.pk), "--year", str(YEAR), "-o", "/nonexistent/dir/r.json"],
                "書き込めません",
            ),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                with self.assertRaisesMessage(CommandError, message):
                    call_command("annual_report", *args, stdout=StringIO())


class ReminderTestCase(AnnualTestCase):
    def test_before_and_after_the_due_date_once(self):
        schedule = Schedule.objects.create(due_month=6)
        year = annual.reporting_year(datetime.date(2026, 6, 1))
        due = schedule.due_date(year)
        self.assertEqual(due, datetime.date(2026, 6, 30))
        self.assertEqual(remind_reports(due - datetime.timedelta(days=10)), 0)
        self.assertEqual(remind_reports(due - datetime.timedelta(days=3)), 2)  # bob and alice
        self.assertEqual(remind_reports(due - datetime.timedelta(days=3)), 0)
        self.assertEqual(remind_reports(due + datetime.timedelta(days=1)), 3)  # and rita
        self.assertEqual(remind_reports(due + datetime.timedelta(days=2)), 0)
        self.assertTrue(Notification.objects.filter(user=self.bob, kind="overdue").exists())

    def test_a_submitted_report_is_not_reminded(self):
        year = annual.reporting_year(datetime.date(2026, 6, 1))
        AnnualReport.objects.create(
            system=self.system, fiscal_year=year, state="submitted", created_by=self.bob
        )
        self.assertEqual(remind_reports(datetime.date(2026, 6, 1)), 0)

    def test_the_ward_sets_the_month(self):
        url = reverse("reports:schedule")
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.client.force_login(self.rita)
        self.assertEqual(self.client.post(url, {"due_month": "13"}).status_code, 400)
        self.client.post(url, {"due_month": "7"})
        # The month is the ward's own; another municipality keeps the service's.
        minato = Municipality.objects.create(code="131032", name="港区")
        with activated(Municipality.default()):
            self.assertEqual(Schedule.current().due_month, 7)
            self.assertEqual(Schedule.current().due_date(2025), datetime.date(2026, 7, 31))
        with activated(minato):
            self.assertEqual(Schedule.current().due_month, 5)
        self.assertFalse(Schedule.objects.exists())
        self.assertEqual(Municipality.default().report_due_month, 7)
        self.assertEqual(Schedule(due_month=2).due_date(2025), datetime.date(2027, 2, 28))


class DashboardTestCase(AnnualTestCase):
    def test_the_ward_sees_each_system_in_operation(self):
        self.client.force_login(self.rita)
        page = self.client.get(reverse("dashboards:home")).content.decode()
        self.assertIn(f'id="operating-{self.system.pk}"', page)
        self.assertIn(reverse("records:system", args=[self.system.pk]) + "#admin_review", page)
        self.assertIn(
            reverse("reports:annual", args=[self.system.pk, annual.reporting_year()]), page
        )
        Assessment.objects.filter(pk=self.assessment.pk).update(state="draft")
        # An update behind the actions' back records no event, so the dashboard's
        # counts stand until the next change (audit/stamp.py): start afresh.
        cache.clear()
        kept.forget()
        page = self.client.get(reverse("dashboards:home")).content.decode()
        self.assertFalse(f'id="operating-{self.system.pk}"' in page)

    def test_the_counts_move_with_the_next_change(self):
        """The dashboard's table is kept between visits, and a record added
        through the page shows on the very next one."""
        self.client.force_login(self.rita)
        row = f'id="operating-{self.system.pk}"'
        overdue = reverse("records:system", args=[self.system.pk]) + "#admin_review"

        def operating_row():
            page = self.client.get(reverse("dashboards:home")).content.decode()
            return page[page.index(row) :].split("</tr>")[0]

        self.assertIn(overdue, operating_row())
        self.assertIn(overdue, operating_row())  # from the cache
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("records:add", args=[self.system.pk, Kind.ADMIN_REVIEW]),
            valid(Kind.ADMIN_REVIEW),
        )
        self.assertEqual(r.status_code, 302)
        self.client.force_login(self.rita)
        self.assertNotIn(overdue, operating_row())

    def test_a_vendor_sees_its_own_systems_in_operation_only(self):
        self.client.force_login(self.bob)
        page = self.client.get(reverse("dashboards:home")).content.decode()
        self.assertIn(f'id="operating-{self.system.pk}"', page)
        self.client.force_login(self.charlie)
        page = self.client.get(reverse("dashboards:home")).content.decode()
        self.assertFalse('id="operating-systems"' in page)


class JsonTypesTestCase(AnnualTestCase):
    """Issue 23.1: a report with a vulnerability matched to the inventory (a CVSS score
    is a Decimal in the database) and a record of every kind, with a file, reaches JSON
    with its types: submitted (saved as JSON), exported, and printed by the command."""

    def setUp(self):
        super().setUp()
        self.year = fiscal_year_of(timezone.localdate())
        self.client.force_login(self.bob)
        for kind in Kind.values:
            files = {}
            if kind == Kind.DISPOSAL:
                files = {"file_certificate": SimpleUploadedFile("cert.pdf", b"%PDF-1.4\n%%EOF\n")}
            r = self.client.post(
                reverse("records:add", args=[self.system.pk, kind]), {**valid(kind), **files}
            )
            self.assertEqual(r.status_code, 302, kind)
        component = Component.objects.create(
            system=self.system, kind="middleware", product="openssl", version="3.0.13"
        )
        cve = Vulnerability.objects.create(
            ident="CVE-2024-0001", source="nvd", cvss_score=Decimal("9.8"), severity="CRITICAL",
            digest="x",
        )  # fmt: skip
        Finding.objects.create(component=component, vulnerability=cve, first_seen=timezone.now())

    def check_types(self, content: dict):
        self.assertEqual(content["vulnerabilities"][0]["cvss"], 9.8)
        self.assertIsInstance(content["vulnerabilities"][0]["cvss"], float)
        log = content["log_reviews"][0]["data"]
        self.assertEqual(log["retention_months"], 36)  # an integer stays one
        assessment = content["vulnerability_assessments"][0]["data"]
        self.assertEqual([assessment[k] for k in ("critical", "high")], [0, 1])
        self.assertEqual(content["backups"][0]["data"]["generations"], 7)
        day = content["disposals"][0]["date"]
        self.assertEqual(
            datetime.date.fromisoformat(day), timezone.localdate() - datetime.timedelta(days=1)
        )
        (attached,) = content["disposals"][0]["files"]
        self.assertEqual((attached["name"], attached["label"]), ("cert.pdf", "certificate"))
        self.assertEqual(len(attached["sha256"]), 64)

    def test_submitting_exporting_and_the_command_keep_every_type(self):
        self.client.post(reverse("reports:annual_start", args=[self.system.pk, self.year]))
        r = self.client.post(
            reverse("reports:annual_step", args=[self.system.pk, self.year, "submit"])
        )
        self.assertEqual(r.status_code, 302)
        report = AnnualReport.objects.get()
        self.assertEqual(report.state, "submitted")
        report.refresh_from_db()  # what the database gave back, not what was built
        self.check_types(report.content)
        exported = self.client.get(
            reverse("reports:annual_export", args=[self.system.pk, self.year, "json"])
        )
        self.assertEqual(exported.status_code, 200)
        self.check_types(json.loads(exported.content))
        out = StringIO()
        call_command("annual_report", str(self.system.pk), "--year", str(self.year), stdout=out)
        self.check_types(json.loads(out.getvalue()))

    def test_a_draft_report_renders_as_json_too(self):
        self.client.post(reverse("reports:annual_start", args=[self.system.pk, self.year]))
        r = self.client.get(
            reverse("reports:annual_export", args=[self.system.pk, self.year, "json"])
        )
        self.assertEqual(r.status_code, 200)
        self.check_types(json.loads(r.content))


class LanguageTestCase(AnnualTestCase):
    def test_a_report_submitted_in_japanese_reads_in_english(self):
        """Issue 23.8: the content kept the words of the day it was built (サポート状況's
        values, kinds, severities): it keeps codes now, and each reader sees theirs."""
        Component.objects.create(
            system=self.system, kind="middleware", product="nginx", version="1.24"
        )
        self.client.force_login(self.bob)  # Japanese
        self.client.post(reverse("reports:annual_start", args=[self.system.pk, YEAR]))
        self.client.post(reverse("reports:annual_step", args=[self.system.pk, YEAR, "submit"]))
        self.assertEqual(AnnualReport.objects.get().state, "submitted")
        self.rita.language = "en"
        self.rita.save()
        self.client.force_login(self.rita)
        page = self.client.get(self.url).content.decode()
        for english in ("Middleware", "Support status", "Unknown"):
            self.assertIn(english, page)
        for japanese in ("ミドルウェア", "サポート状況", "不明"):
            self.assertNotIn(japanese, page)
        data = json.loads(
            self.client.get(
                reverse("reports:annual_export", args=[self.system.pk, YEAR, "json"])
            ).content
        )
        row = data["software"][0]
        self.assertEqual((row["kind"], row["kind_label"]), ("middleware", "ミドルウェア"))
        self.assertEqual((row["support"], row["support_label"]), ("unknown", "不明"))
