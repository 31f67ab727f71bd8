"""A vendor person at work for two municipalities, in the browser: answers in each,
switches between them, and follows an e-mail's link into the right one."""

import re

from playwright.sync_api import expect

from kakunin.notifications.models import OutgoingMail
from kakunin.reviews.actions import add_comment
from kakunin.tenants.active import activated
from testsupport.browser import BrowserTestCase
from testsupport.fixtures import create_second_municipality


class VendorInTwoMunicipalitiesBrowserTestCase(BrowserTestCase):
    def setUp(self):
        super().setUp()
        create_second_municipality(self)

    def answer(self, assessment, text: str) -> None:
        self.page.goto(self.url(f"/assessments/{assessment.pk}/"))
        self.page.fill("#id_pw-composition-text", text)
        self.page.locator("#state-pw-composition.saved").wait_for()
        saved = assessment.answers.get(item__key="pw-composition")
        self.assertEqual(saved.text, text)

    def working_in(self, name: str) -> None:
        expect(self.page.locator(".site-header .municipality")).to_have_text(name)

    def test_answers_in_each_switches_and_follows_an_e_mail_link(self):
        self.login("bob")
        self.page.goto(self.url("/"))
        self.working_in("千代田区")
        self.answer(self.assessment, "12桁以上、英大小文字と数字を必須")
        # 港区's assessment is not there while working in 千代田区.
        r = self.page.goto(self.url(f"/assessments/{self.minato_assessment.pk}/"))
        self.assertEqual(r.status, 404)

        self.page.goto(self.url("/"))
        self.page.get_by_role("link", name="団体の切替").click()
        row = self.page.locator("tr", has_text="港区")
        row.get_by_role("button", name="切り替える").click()
        self.working_in("港区")
        self.answer(self.minato_assessment, "14桁以上、記号を含む")
        r = self.page.goto(self.url(f"/assessments/{self.assessment.pk}/"))
        self.assertEqual(r.status, 404)

        # Back in 千代田区, a mail about 港区 arrives; its link opens 港区.
        self.page.goto(self.url("/municipalities/"))
        self.page.locator("tr", has_text="千代田区").get_by_role(
            "button", name="切り替える"
        ).click()
        self.working_in("千代田区")
        answer = self.minato_assessment.answers.get(item__key="pw-composition")
        with activated(self.minato):
            add_comment(actor=self.mika, answer=answer, body="記号の種類を教えてください")
        mail = next(m for m in OutgoingMail.objects.order_by("-pk") if self.bob.email in m.to)
        link = re.search(r"https?://\S+", mail.body).group(0)
        path = "/" + link.split("//", 1)[1].split("/", 1)[1]
        self.page.goto(self.url(path))
        self.working_in("港区")
        expect(self.page.locator("#item-pw-composition")).to_be_visible()
        self.screenshot("vendor-two-municipalities")
