"""The whole exchange in a real browser, as the three parties live it."""

import io
import re

import openpyxl
from django.core import mail
from playwright.sync_api import expect

from kakunin.assessments.models import Assessment, State
from kakunin.forms_xlsx.layout import column_number
from testsupport.browser import BrowserTestCase

VENDOR_PASSWORD = "Journey-Vendor-2026"


class JourneyTestCase(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.page.on("dialog", lambda dialog: dialog.accept())

    def logout(self):
        self.page.click("button:has-text('ログアウト')")
        self.page.wait_for_url("**/auth/login/**")

    def open(self, path):
        self.page.goto(self.url(path))

    def test_the_whole_journey(self):
        # 1. Department staff create a system and invite a vendor.
        self.login("alice")
        self.screenshot("dashboard-department")
        self.open("/systems/new/")
        self.page.fill("#id_name", "図書館予約システム")
        self.page.fill("#id_description", "図書の予約と貸出の管理")
        self.page.fill("#id_new_vendor", "株式会社ジャーニー")
        self.page.click("button:has-text('保存')")
        expect(self.page.locator("h1")).to_contain_text("図書館予約システム")
        self.page.select_option("#id_phase", "initial")
        self.page.fill("#id_due_date", "2027-03-31")
        self.page.click("button:has-text('作成')")
        expect(self.page.locator("h1")).to_contain_text("新規構築時")
        assessment = Assessment.objects.get(system__name="図書館予約システム")
        self.open(f"/systems/{assessment.system_id}/")
        self.page.fill("#id_full_name", "山田 太郎")
        self.page.fill("#id_email", "yamada@journey.example")
        self.page.select_option("#id_organisation", label="株式会社ジャーニー")
        self.page.click("button:has-text('招待メールを送る')")
        expect(self.page.locator(".messages")).to_contain_text("招待メールを送りました")
        self.screenshot("system-detail")
        self.logout()

        # 2. The vendor accepts, sets a password, answers, uploads evidence and submits.
        link = re.search(r"http://127\.0\.0\.1:8000(/invite/#\S+)", mail.outbox[-1].body).group(1)
        self.open(link)
        self.page.fill("#id_username", "yamada.taro")
        self.page.fill("#id_password1", VENDOR_PASSWORD)
        self.page.fill("#id_password2", VENDOR_PASSWORD)
        self.page.click("button:has-text('アカウントを作成してログイン')")
        self.page.wait_for_url(f"**/assessments/{assessment.pk}/")
        with self.page.expect_download() as info:
            self.page.click("text=Excel様式をダウンロード")
        filled = self.fill_form(info.value.path())
        self.page.click("text=Excel様式を取り込む")
        self.page.set_input_files(
            "#id_file",
            files=[{"name": "回答.xlsx", "mimeType": "application/octet-stream", "buffer": filled}],
        )
        self.page.click("button:has-text('アップロードして確認')")
        expect(self.page.locator("h1")).to_contain_text("取り込み内容の確認")
        self.screenshot("import-preview")
        self.page.click("button:has-text('この内容で反映する')")
        expect(self.page.locator(".messages")).to_contain_text("件の回答を反映しました")
        self.page.fill(
            "#id_pw-composition-text", "12文字以上、英大文字・英小文字・数字を必須とする"
        )
        self.page.locator("#state-pw-composition.saved").wait_for()
        # The evidence form comes with the item's link (not on every item of the page).
        self.page.click("#item-pw-composition .more-forms a")
        expect(self.page.locator("#file-pw-composition")).to_be_focused()
        self.page.set_input_files(
            "#file-pw-composition",
            files=[
                {
                    "name": "パスワード規程.txt",
                    "mimeType": "text/plain",
                    "buffer": "規程本文".encode(),
                }
            ],
        )
        self.page.locator("#evidence-pw-composition button:has-text('添付')").click()
        expect(self.page.locator("#evidence-pw-composition")).to_contain_text("パスワード規程.txt")
        self.screenshot("assessment-vendor")
        self.page.click("button:has-text('提出')")
        expect(self.page.locator("#assessment-state")).to_contain_text("提出済")
        self.logout()

        # 3. The reviewer returns two items with comments.
        self.login_reviewer()
        self.screenshot("dashboard-reviewer")
        self.open(f"/assessments/{assessment.pk}/")
        self.page.click("button:has-text('審査を開始')")
        expect(self.page.locator("#assessment-state")).to_contain_text("審査中")
        for key, comment in [
            ("pw-composition", "記号の扱いも明記してください"),
            ("backup-offsite", "保管場所を具体的に"),
        ]:
            item = self.page.locator(f"#item-{key}")
            item.locator("input[name=verdict][value=fix]").check()
            item.locator("textarea[name=comment]").fill(comment)
            item.locator("button:has-text('審査結果を記録')").click()
            expect(self.page.locator(f"#item-{key} .badge.verdict")).to_contain_text("要修正")
        self.screenshot("assessment-reviewer")
        self.page.click("summary:has-text('差し戻す')")
        self.page.fill("#id_return_note", "2項目の記載をお願いします。")
        self.page.click("button:has-text('差し戻す')")
        expect(self.page.locator("#assessment-state")).to_contain_text("差戻し")
        self.logout()

        # 4. The vendor fixes them and resubmits.
        self.login("yamada.taro", VENDOR_PASSWORD)
        self.open(f"/assessments/{assessment.pk}/")
        expect(self.page.locator(".notice")).to_contain_text("No.5")
        expect(self.page.locator("#returned-notice")).to_contain_text("2項目の記載をお願いします。")
        self.assertEqual(
            self.page.locator("#id_pw-rotation-text").count(), 0
        )  # not returned: locked
        self.page.fill(
            "#id_pw-composition-text",
            "12文字以上、英大小文字・数字・記号のうち3種類以上を必須とする",
        )
        self.page.locator("#state-pw-composition.saved").wait_for()
        self.page.fill("#id_backup-offsite-text", "大阪のデータセンターに日次で二次バックアップ")
        self.page.locator("#state-backup-offsite.saved").wait_for()
        self.page.click("button:has-text('再提出')")
        expect(self.page.locator("#assessment-state")).to_contain_text("再提出")
        self.logout()

        # 5. The reviewer sees the changes and approves.
        self.login_reviewer()
        self.open(f"/assessments/{assessment.pk}/")
        self.page.click("button:has-text('審査を開始')")
        self.page.click("text=前回の提出からの変更")
        expect(self.page.locator("#changes")).to_contain_text("大阪のデータセンター")
        expect(self.page.locator("#changes tbody tr")).to_have_count(2)
        self.screenshot("review-diff")
        self.open(f"/assessments/{assessment.pk}/")
        for key in ("pw-composition", "backup-offsite"):
            item = self.page.locator(f"#item-{key}")
            item.locator("input[name=verdict][value=ok]").check()
            item.locator("button:has-text('審査結果を記録')").click()
            expect(self.page.locator(f"#item-{key} .badge.verdict")).to_contain_text("適合")
        self.page.click("button:has-text('未審査の項目をすべて「適合」にする')")
        self.page.click("button:has-text('承認')")
        expect(self.page.locator("#assessment-state")).to_contain_text("承認")
        self.screenshot("assessment-approved")
        assessment.refresh_from_db()
        self.assertEqual(assessment.state, State.APPROVED)

        # 6. The PDF and the Excel download open. The PDF is made by the job worker
        # (issue 23.15); its page follows it and offers the download.
        self.page.click("text=PDF（決裁用）")
        self.page.wait_for_url("**/reports/pdf/*/")
        expect(self.page.locator("#pdf-progress")).to_contain_text("できあがりました")
        self.screenshot("pdf-ready")
        with self.page.expect_download() as info:
            self.page.click("text=PDF をダウンロード")
        with open(info.value.path(), "rb") as f:
            pdf = f.read()

        self.assertTrue(pdf.startswith(b"%PDF-"))
        self.page.click("text=戻る")
        with self.page.expect_download() as info:
            self.page.click("text=Excel様式をダウンロード")
        with open(info.value.path(), "rb") as f:
            workbook = openpyxl.load_workbook(io.BytesIO(f.read()))
        self.assertEqual(workbook["確認一覧表"]["J4"].value, "審査結果")
        self.open("/assessments/")
        self.screenshot("assessment-list")

    def fill_form(self, path) -> bytes:
        """What a vendor does offline: every yellow row gets 対応済 and an answer."""
        with open(path, "rb") as f:
            wb = openpyxl.load_workbook(io.BytesIO(f.read()))
        ws = wb["確認一覧表"]
        for row in range(5, ws.max_row + 1):
            key, status = ws.cell(row, column_number("key")).value, ws.cell(row, 6)
            if key and status.fill.fgColor.rgb == "00FFFF00":
                status.value = "対応済"
                ws.cell(row, 5).value = f"{key}: 仕様書第3章のとおり対応済み"
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
