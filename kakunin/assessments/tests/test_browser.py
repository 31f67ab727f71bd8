from kakunin.browser import BrowserTestCase


class AssessmentPageBrowserTestCase(BrowserTestCase):
    def open_assessment(self):
        self.login("bob")
        self.page.goto(self.url(f"/assessments/{self.assessment.pk}/"))
        # A marker that a full page load would wipe out.
        self.page.evaluate("window.__noReload = 'still here'")

    def answer(self, key):
        return self.assessment.answers.get(item__key=key)

    def test_it_saves_an_answer_inline_without_reloading(self):
        self.open_assessment()
        item = self.page.locator("#item-pw-composition")
        item.locator("textarea").fill("12文字以上、英大文字・英小文字・数字を必須")
        item.locator("select").select_option("done")
        self.page.locator("#item-pw-composition .save-state.saved").wait_for()
        self.assertEqual(self.page.evaluate("window.__noReload"), "still here")
        self.assertIn("回答済 6 / 適用 70 項目", self.page.locator("#progress-total").inner_text())
        self.assertIn("1 / 2", self.page.locator("#progress-section-3").first.inner_text())
        answer = self.answer("pw-composition")
        self.assertEqual(
            (answer.status, answer.text), ("done", "12文字以上、英大文字・英小文字・数字を必須")
        )
        self.screenshot("assessment-saved")

    def test_it_shows_the_error_and_keeps_the_typed_text(self):
        self.open_assessment()
        item = self.page.locator("#item-pw-rotation")
        item.locator("select").select_option("na")
        self.page.locator("#item-pw-rotation .save-state.failed").wait_for()
        self.assertIn("理由を記入してください", self.page.locator("#item-pw-rotation").inner_text())
        self.assertEqual(self.answer("pw-rotation").status, "")
        self.page.locator("#item-pw-rotation textarea").fill(
            "MFA を必須とするため定期変更は行わない"
        )
        self.page.locator("#item-pw-rotation button[type=submit]").click()
        self.page.locator("#item-pw-rotation .save-state.saved").wait_for()
        self.assertEqual(self.answer("pw-rotation").status, "na")
        self.assertEqual(self.page.evaluate("window.__noReload"), "still here")
        self.screenshot("assessment-error")

    def test_history_opens_inline(self):
        self.open_assessment()
        item = self.page.locator("#item-pw-composition")
        item.locator("textarea").fill("一回目")
        item.locator("button[type=submit]").click()
        self.page.locator("#item-pw-composition .save-state.saved").wait_for()
        self.page.locator("#item-pw-composition textarea").fill("二回目")
        self.page.locator("#item-pw-composition button[type=submit]").click()
        self.page.wait_for_function(
            "document.querySelector('#item-pw-composition .meta a') !== null"
        )
        self.page.locator("#item-pw-composition a", has_text="変更履歴").click()
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
