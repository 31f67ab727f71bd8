"""The in-app scan in Chromium: register a target, press 「自動確認を実行」, watch
the progress bar, and find the verdicts beside the answers."""

from django.test import override_settings
from playwright.sync_api import expect

from kakunin.assessments.models import Status
from kakunin.scans import actions, tasks
from kakunin.scans.models import Scan
from testsupport.browser import BrowserTestCase
from testsupport.sites import farm_for


class ScanInTheBrowser(BrowserTestCase):
    @classmethod
    def setUpClass(cls):
        # The servers first: if they cannot start, nothing of the class is left open.
        cls.farm = farm_for(cls, names={"hardened", "tls10"})
        super().setUpClass()

    def setUp(self):
        super().setUp()
        override = override_settings(SCAN_CA_BUNDLE=str(self.farm.ca.path), SCAN_DEFAULT_PORTS=[])
        override.enable()
        self.addCleanup(override.disable)

    def register(self, name: str):
        site = self.farm[name]
        self.page.fill("#id_url", site.url)
        self.page.fill("#id_declared_ports", f"{site.https_port}, {site.http_port}")
        self.page.fill("#id_http_port", str(site.http_port))
        self.page.click("#target-form button[type=submit]")
        expect(self.page.locator("#targets")).to_contain_text(site.url)

    def test_the_department_scans_its_system_and_sees_the_verdicts_beside_the_answers(self):
        answer = self.assessment.answers.get(item__key="web-tls-version")
        answer.status, answer.text = Status.DONE, "TLS1.2以上のみ有効"
        answer.save()
        self.login("alice")
        self.page.goto(self.url(f"/systems/{self.system.pk}/"))
        self.page.click("text=自動確認（検査対象・実行・結果）")
        # Bad input first: a message, and nothing registered.
        self.page.fill("#id_url", "ftp://files.example.lg.jp/")
        self.page.click("#target-form button[type=submit]")
        expect(self.page.locator("#target-form")).to_contain_text("http:// または https://")
        self.assertFalse(self.system.scan_targets.exists())
        self.register("tls10")
        self.screenshot("scan-targets")

        self.page.click("#run-scan")
        expect(self.page.locator("h1")).to_contain_text("自動確認の結果")
        # The job: the tests' huey runs it inline at commit; a job still queued is run
        # here, as the worker would, and the progress bar reloads the page when it ends.
        for scan in Scan.objects.filter(state=Scan.State.QUEUED):
            tasks.run_scan.call_local(scan.pk)
        self.assertEqual(Scan.objects.get().state, Scan.State.DONE)
        expect(self.page.locator("#results")).to_contain_text(
            "TLS 1.0・TLS 1.1 を受け付けます", timeout=15_000
        )
        self.page.click("#result-tls-version details summary")
        expect(self.page.locator("#result-tls-version pre")).to_contain_text(
            '"handshake": "TLS 1.0"'
        )
        self.screenshot("scan-results")

        self.page.click("text=確認票で回答と並べて見る")
        expect(self.page.locator("#scan-conflicts")).to_contain_text("No.61")
        # No.61 is in a later section, not on the page yet: its link brings it.
        self.page.click("#scan-conflicts a:has-text('No.61')")
        block = self.page.locator("#scan-web-tls-version")
        expect(block).to_contain_text("自動確認: 不適合")
        expect(block).to_contain_text("対応済の回答と不一致")
        self.assertTrue(self.page.url.endswith("#item-web-tls-version"))
        expect(self.page.locator("#scan-web-certificate")).to_contain_text("自動確認: 適合")
        block.scroll_into_view_if_needed()
        self.screenshot("scan-beside-answer")

    def test_the_progress_bar_follows_the_job_and_the_page_reloads_when_it_ends(self):
        self.login("alice")
        self.system.scan_targets.create(url=self.farm["hardened"].url, created_by=self.alice,
                                        declared_ports=[self.farm["hardened"].https_port])  # fmt: skip
        scan = Scan.objects.create(
            system=self.system, state=Scan.State.RUNNING, progress=40, requested_by=self.alice
        )
        self.page.goto(self.url(scan.get_absolute_url()))
        expect(self.page.locator("#scan-progress-bar")).to_have_attribute("value", "40")
        Scan.objects.filter(pk=scan.pk).update(progress=75)
        expect(self.page.locator("#scan-progress-bar")).to_have_attribute("value", "75")
        self.screenshot("scan-progress")
        # The job ends (here: the worker runs it now); the page reloads by itself.
        Scan.objects.filter(pk=scan.pk).update(state=Scan.State.QUEUED)
        actions.execute(Scan.objects.get(pk=scan.pk))
        expect(self.page.locator("#results")).to_contain_text(
            "受け付けるのは TLS 1.2・TLS 1.3 のみです"
        )
