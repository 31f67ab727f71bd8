"""The main pages against axe-core (no serious or critical violations: the JIS X
8341-3 AA level municipal sites work to), and the work done by keyboard alone."""

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from kakunin.assessments.actions import submit
from kakunin.evidence.actions import add_evidence
from kakunin.notifications.actions import notify
from kakunin.reviews import actions as review
from kakunin.scans.models import Scan
from testsupport.browser import BrowserTestCase, serious_violations
from testsupport.fixtures import fill_everything, make_scan


class AxeTestCase(BrowserTestCase):
    def setUp(self):
        super().setUp()
        # axe is injected as a script: this context lets it past the CSP (the app's
        # own pages are checked under the real CSP in every other browser test).
        self.context.close()
        self.context = self.browser.new_context(
            locale="ja-JP", bypass_csp=True, viewport={"width": 1280, "height": 900}
        )
        self.page = self.context.new_page()
        self.console_errors, self.page_errors = [], []

    def check(self, path: str):
        self.page.goto(self.url(path))
        with self.subTest(path=path):
            self.assertEqual(serious_violations(self.page), [])

    def test_the_main_pages_have_no_serious_violations(self):
        add_evidence(
            actor=self.bob,
            answer=self.assessment.answers.get(item__key="pw-composition"),
            upload=SimpleUploadedFile("a.txt", b"x"),
        )
        notify(
            [self.bob],
            "approved",
            {"actor": "Rita", "assessment": str(self.assessment), "url": "/"},
        )
        self.check("/auth/login/")
        self.login("bob")
        for path in ["/dashboard/", "/systems/", f"/systems/{self.system.pk}/", f"/assessments/{self.assessment.pk}/",
                     "/assessments/", f"/assessments/{self.assessment.pk}/import/", "/notifications/"]:  # fmt: skip
            self.check(path)

    def test_the_reviewers_pages_have_no_serious_violations(self):
        fill_everything(self.assessment, self.bob)
        submit(actor=self.bob, assessment=self.assessment)
        review.start_review(actor=self.rita, assessment=self.assessment)
        self.login("alice")
        for path in [f"/assessments/{self.assessment.pk}/", "/dashboard/", "/access-requests/"]:
            self.check(path)

    def test_the_scan_pages_have_no_serious_violations(self):
        scan = make_scan(
            self.system,
            {
                "tls-version": "fail",
                "server-certificate": "pass",
                "admin-interface-restriction": "review",
            },
        )
        running = Scan.objects.create(system=self.system, state=Scan.State.RUNNING, progress=30)
        self.login("alice")
        for path in [f"/scans/systems/{self.system.pk}/", f"/scans/{scan.pk}/", f"/scans/{running.pk}/",
                     f"/assessments/{self.assessment.pk}/"]:  # fmt: skip
            self.check(path)


class KeyboardTestCase(BrowserTestCase):
    def test_logging_in_and_answering_by_keyboard_alone(self):
        self.page.goto(self.url("/auth/login/"))
        self.page.focus("#id_login")
        self.page.keyboard.type("bob")
        self.page.keyboard.press("Tab")
        self.page.keyboard.type("Correct-Horse-42")
        self.page.keyboard.press("Enter")
        self.page.wait_for_url("**/dashboard/")
        self.page.goto(self.url(f"/assessments/{self.assessment.pk}/"))
        # The skip link is the first thing a keyboard reaches.
        self.page.keyboard.press("Tab")
        self.assertEqual(self.page.evaluate("document.activeElement.textContent"), "本文へ移動")
        self.page.focus("#id_pw-composition-status")
        self.page.keyboard.press("ArrowDown")  # （未回答） → 対応済
        self.page.keyboard.press("Tab")
        self.page.keyboard.type("12文字以上")
        self.page.keyboard.press("Tab")
        expect(self.page.locator("#state-pw-composition")).to_contain_text("保存しました")
        answer = self.assessment.answers.get(item__key="pw-composition")
        self.assertEqual((answer.status, answer.text), ("done", "12文字以上"))


class NoSidewaysScrollTestCase(BrowserTestCase):
    """A visually hidden table once made the ward's dashboard 1508 px wide in a 1366 px
    window: no main page may scroll sideways at the ward's usual screen width."""

    def test_the_main_pages_fit_a_1366_pixel_window(self):
        self.page.set_viewport_size({"width": 1366, "height": 768})
        fill_everything(self.assessment, self.bob)
        make_scan(self.system, {"https": "fail", "tls-version": "fail"})
        for user, paths in [
            ("alice", ["/dashboard/", "/systems/", f"/systems/{self.system.pk}/", "/assessments/",
                       f"/assessments/{self.assessment.pk}/", f"/scans/systems/{self.system.pk}/"]),
            ("bob", ["/dashboard/", f"/assessments/{self.assessment.pk}/"]),
        ]:  # fmt: skip
            self.login(user)
            for path in paths:
                self.page.goto(self.url(path))
                with self.subTest(user=user, path=path):
                    width = self.page.evaluate("document.documentElement.scrollWidth")
                    self.assertLessEqual(width, 1366)
            self.page.click("button:has-text('ログアウト')")
            self.page.wait_for_url("**/auth/login/**")
