"""The yearly report in a real browser: the vendor records the year and submits the
report; the ward reviews it section by section and approves it."""

import datetime
import re

from playwright.sync_api import expect

from kakunin.reports import annual
from kakunin.reports.models import AnnualReport
from testsupport.browser import BrowserTestCase
from testsupport.fixtures import approve_on


class AnnualReportBrowserTestCase(BrowserTestCase):
    def setUp(self):
        super().setUp()
        approve_on(self.assessment)  # in operation since 2024-01-01
        self.year = annual.reporting_year()

    def test_the_vendor_submits_and_the_ward_approves(self):
        page = self.page
        self.login("bob")
        page.goto(self.url(f"/systems/{self.system.pk}/"))
        expect(page.locator("#operations-panel")).to_contain_text("期限超過")
        page.click("#operations-panel >> text=運用記録を見る")
        page.click("#admin_review >> text=を記録する")
        day = datetime.date(self.year, 10, 1).isoformat()
        page.fill("#id_date", day)
        page.fill("#id_reviewer", "山田 太郎")
        # A role in place of a person is refused, with the line named; nothing is lost.
        page.fill("#id_accounts", "sysadmin01, 佐藤 花子\nroot, 管理者")
        page.fill("#id_result", "不要なアカウントなし")
        page.fill("#id_next_review", datetime.date(self.year + 1, 10, 1).isoformat())
        page.click("#record-form button[type=submit]")
        expect(page.locator("#record-form")).to_contain_text(
            "2行目: 「管理者」は人の名前ではありません"
        )
        expect(page.locator("#id_reviewer")).to_have_value("山田 太郎")
        page.fill("#id_accounts", "sysadmin01, 佐藤 花子\nroot, 鈴木 一郎")
        page.click("#record-form button[type=submit]")
        expect(page.locator("dl.record")).to_contain_text("佐藤 花子")
        self.screenshot("annual-record")

        page.goto(self.url(f"/reports/annual/{self.system.pk}/{self.year}/"))
        expect(page.locator("#admin_account_reviews")).to_contain_text("山田 太郎")
        expect(page.locator("#log_reviews")).to_contain_text("この年度の記録はありません。")
        page.click("text=この年度の報告を作成する")
        page.click("#report-actions >> text=提出する")
        expect(page.locator("#report-state")).to_contain_text("提出済")
        self.screenshot("annual-submitted")
        page.click("button:has-text('ログアウト')")

        self.login_reviewer()
        page.goto(self.url("/dashboard/"))
        row = page.locator(f"#operating-{self.system.pk}")
        expect(row).to_contain_text("提出済・審査中")
        row.locator("a.badge").click()
        page.click("#report-actions >> text=審査を開始する")
        expect(page.locator("#report-state")).to_contain_text("審査中")
        sections = page.locator("form.verdict-form")
        for i in range(sections.count()):
            form = page.locator("form.verdict-form").nth(i)
            form.locator("select").select_option("ok")
            form.locator("button").click()
            page.wait_for_load_state()
        page.click("#report-actions >> text=承認する")
        expect(page.locator("#report-state")).to_contain_text("承認")
        self.screenshot("annual-approved")
        report = AnnualReport.objects.get()
        self.assertEqual(report.state, "approved")
        page.click("#report-actions >> text=PDF")  # made by the worker (issue 23.15)
        expect(page.locator("#pdf-progress")).to_contain_text("できあがりました")
        with page.expect_download() as download:
            page.click("text=PDF をダウンロード")
        self.assertTrue(re.search(r"年次報告\.pdf$", download.value.suggested_filename))
