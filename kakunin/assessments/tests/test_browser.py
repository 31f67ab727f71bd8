import re

from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from kakunin.audit.models import Event
from testsupport.browser import BrowserTestCase
from testsupport.fixtures import fill_everything


class AssessmentPageBrowserTestCase(BrowserTestCase):
    def open_assessment(self):
        self.login("bob")
        self.page.goto(self.url(f"/assessments/{self.assessment.pk}/"))
        # A marker that a full page load would wipe out.
        self.page.evaluate("window.__noReload = 'still here'")

    def answer(self, key):
        return self.assessment.answers.get(item__key=key)

    def test_answers_save_as_one_types_without_reloading(self):
        self.open_assessment()
        self.page.fill("#id_pw-composition-text", "12文字以上、英大文字・英小文字・数字を必須")
        self.page.select_option("#id_pw-composition-status", "done")
        self.page.locator("#state-pw-composition.saved").wait_for()
        self.assertEqual(self.page.evaluate("window.__noReload"), "still here")
        self.assertIn("回答済 6 / 適用 70 項目", self.page.locator("#progress-total").inner_text())
        self.assertIn("1 / 2", self.page.locator("#progress-section-3").inner_text())
        answer = self.answer("pw-composition")
        self.assertEqual(
            (answer.status, answer.text), ("done", "12文字以上、英大文字・英小文字・数字を必須")
        )
        # Typing on (no button) saves too, and the text box keeps focus and text.
        self.page.focus("#id_pw-composition-text")
        self.page.keyboard.type("（追記）")
        expect(self.page.locator("#state-pw-composition")).to_contain_text("保存しました")
        self.assertTrue(self.answer("pw-composition").text.endswith("（追記）"))
        self.assertEqual(self.page.evaluate("document.activeElement.id"), "id_pw-composition-text")
        self.screenshot("assessment-saved")

    def test_it_shows_the_error_and_keeps_the_typed_text(self):
        self.open_assessment()
        self.page.select_option("#id_pw-rotation-status", "na")
        self.page.locator("#state-pw-rotation.failed").wait_for()
        self.assertIn(
            "理由を記入してください", self.page.locator("#errors-pw-rotation").inner_text()
        )
        self.assertEqual(self.answer("pw-rotation").status, "")
        self.page.fill("#id_pw-rotation-text", "MFA を必須とするため定期変更は行わない")
        self.page.locator("#state-pw-rotation.saved").wait_for()
        self.assertEqual(self.answer("pw-rotation").status, "na")
        self.assertEqual(self.page.locator("#errors-pw-rotation").inner_text().strip(), "")
        self.screenshot("assessment-error")

    def test_nothing_is_lost_when_the_session_times_out(self):
        """The text stays in the open page (not in the browser's storage, on a shared
        PC); after logging in again in another tab, coming back saves it."""
        self.open_assessment()
        Session.objects.all().delete()  # the 60 idle minutes are over
        self.page.fill("#id_backup-offsite-text", "遠隔地（大阪）に日次で二次バックアップ")
        self.page.locator("#state-backup-offsite.logged-out").wait_for()
        self.assertIn(
            "ログインが切れました", self.page.locator("#state-backup-offsite").inner_text()
        )
        expect(self.page.locator("#relogin")).to_be_visible()
        self.assertEqual(self.drafts(), [])
        self.assertEqual(self.answer("backup-offsite").text, "")
        other = self.context.new_page()
        other.goto(self.url("/auth/login/"))
        other.fill("#id_login", "bob")
        other.fill("#id_password", "Correct-Horse-42")
        other.click("button[type=submit]")
        other.wait_for_url(lambda url: "/auth/" not in url)
        self.page.bring_to_front()
        self.page.evaluate("window.dispatchEvent(new Event('focus'))")
        self.page.locator("#state-backup-offsite.saved").wait_for()
        self.assertEqual(
            self.answer("backup-offsite").text, "遠隔地（大阪）に日次で二次バックアップ"
        )
        self.assertEqual(self.page.evaluate("window.__noReload"), "still here")

    def drafts(self) -> list[str]:
        return self.page.evaluate(
            "Object.keys(window.localStorage).filter(k => k.startsWith('kakunin:'))"
        )

    def test_drafts_are_cleared_at_logout_and_never_kept_for_another_person(self):
        self.open_assessment()
        self.page.route("**/items/backup-offsite/save/", lambda route: route.abort())
        self.page.fill("#id_backup-offsite-text", "ネットワークが切れた間の入力")
        self.page.locator("#state-backup-offsite.failed").wait_for()
        self.assertEqual(len(self.drafts()), 1)  # kept for bob while the network is down
        self.assertIn(f"kakunin:{self.bob.pk}:", self.drafts()[0])
        self.page.unroute("**/items/backup-offsite/save/")
        # Someone else signs in on the same browser: bob's draft is gone before they see anything.
        self.page.evaluate(f"window.localStorage.setItem('kakunin:{self.bob.pk}:1:x', '{{}}')")
        self.page.click("button:has-text('ログアウト')")
        self.page.wait_for_url("**/auth/login/**")
        self.assertEqual(self.drafts(), [])
        self.page.evaluate(f"window.localStorage.setItem('kakunin:{self.bob.pk}:1:y', '{{}}')")
        self.login("alice")
        self.page.goto(self.url(f"/assessments/{self.assessment.pk}/"))
        self.assertEqual(self.drafts(), [])

    def submit_over_a_slow_save(self, save):
        """Type, then press 提出 at once, while the network holds the answer's save back
        for a second: the submission would overtake it, were it not made to wait. Then
        the held save goes on, through `save`."""
        fill_everything(self.assessment, self.bob)
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.open_assessment()
        held = []

        def hold_the_first(route):
            if held:
                save(route)
            else:
                held.append(route)

        self.page.route("**/items/backup-offsite/save/", hold_the_first)
        self.page.fill("#id_backup-offsite-text", "遠隔地（大阪）に日次で二次バックアップ")
        self.page.click("button:has-text('提出')")
        self.page.click("button:has-text('提出')")  # pressed twice, as the impatient do
        self.page.wait_for_timeout(1000)  # time enough for a submission to overtake it
        self.assertEqual(len(held), 1)
        save(held[0])

    def test_submitting_waits_for_the_answer_being_saved(self):
        self.submit_over_a_slow_save(lambda route: route.continue_())
        expect(self.page.locator("#assessment-state")).to_contain_text("提出済")
        expect(self.page.locator(".messages")).to_contain_text("提出しました")
        self.assertEqual(Event.objects.filter(action="assessment.submit").count(), 1)
        self.assessment.refresh_from_db()
        self.assertEqual(self.assessment.state, "submitted")
        self.assertEqual(
            self.answer("backup-offsite").text, "遠隔地（大阪）に日次で二次バックアップ"
        )

    def test_a_save_that_fails_stops_the_submission_and_says_so(self):
        self.submit_over_a_slow_save(lambda route: route.fulfill(status=503, body="busy"))
        expect(self.page.locator("#save-wait")).to_contain_text("保存できなかった回答があります")
        expect(self.page.locator("#state-backup-offsite")).to_have_class(re.compile("failed"))
        self.assertEqual(self.page.evaluate("window.__noReload"), "still here")
        self.assessment.refresh_from_db()
        self.assertEqual(self.assessment.state, "draft")
        self.assertFalse(Event.objects.filter(action="assessment.submit").exists())
        self.assertEqual(self.answer("backup-offsite").text, "No.22 対応済み")
        self.screenshot("assessment-save-failed-before-submit")

    def test_history_opens_inline(self):
        self.open_assessment()
        self.page.fill("#id_pw-composition-text", "一回目")
        self.page.locator("#state-pw-composition.saved").wait_for()
        self.page.fill("#id_pw-composition-text", "二回目")
        expect(self.page.locator("#version-pw-composition")).to_have_value("2")
        self.page.locator("#meta-pw-composition a", has_text="変更履歴").click()
        table = self.page.locator("#item-pw-composition-history table")
        table.wait_for()
        text = table.inner_text()
        self.assertIn("一回目", text)
        self.assertIn("二回目", text)

    def test_the_excel_form_downloads(self):
        self.open_assessment()
        with self.page.expect_download() as info:
            self.page.click("text=Excel様式をダウンロード")
        download = info.value
        self.assertTrue(download.suggested_filename.endswith(".xlsx"))
        self.assertIn("子ども発達支援システム", download.suggested_filename)


class LaterSectionsBrowserTestCase(BrowserTestCase):
    """The page carries its first sections; the others come as they scroll into view."""

    def test_scrolling_brings_the_later_sections_and_they_save_as_the_first(self):
        self.login("bob")
        self.page.goto(self.url(f"/assessments/{self.assessment.pk}/"))
        last = self.page.locator("#item-data-disposal")  # No.83, the last section
        expect(last).to_have_count(0)
        deferred = self.page.locator(".deferred")
        self.assertGreater(deferred.count(), 3)
        for _ in range(200):  # down the page, as a person scrolls
            if not deferred.count():
                break
            self.page.mouse.wheel(0, 500)
            self.page.wait_for_timeout(50)
        expect(deferred).to_have_count(0)
        last.scroll_into_view_if_needed()
        expect(last).to_be_visible()
        self.page.fill("#id_data-disposal-text", "物理破壊のうえ廃棄証明書を受領")
        self.page.locator("#state-data-disposal.saved").wait_for()
        answer = self.assessment.answers.get(item__key="data-disposal")
        self.assertEqual(answer.text, "物理破壊のうえ廃棄証明書を受領")

    def test_an_address_to_a_later_item_brings_its_section(self):
        self.login("bob")
        self.page.goto(self.url(f"/assessments/{self.assessment.pk}/#item-web-tls-version"))
        item = self.page.locator("#item-web-tls-version")
        expect(item).to_be_visible()
        expect(item).to_be_in_viewport()
