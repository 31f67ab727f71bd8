"""The answer library in the browser, across two municipalities: alpha's bob builds
the library from 千代田区's answered assessment, approves it, and fills 港区's own form
with it; 港区's reviewer sees where each answer came from, and nothing else of it."""

from playwright.sync_api import expect

from kakunin.catalog.models import Control
from kakunin.library import actions
from kakunin.library.models import Entry, FilledFrom
from kakunin.library.tests.base import library_world
from testsupport.browser import BrowserTestCase

UNUSED = "アルファ社の社外秘の手順（どの様式も尋ねない）"


class LibraryAcrossMunicipalitiesBrowserTestCase(BrowserTestCase):
    def setUp(self):
        super().setUp()
        library_world(self)

    def test_a_vendor_builds_the_library_in_one_municipality_and_fills_anothers_form(self):
        self.login("bob")
        self.page.goto(self.url("/library/"))
        self.page.fill("#id_name", "施設予約クラウド")
        self.page.fill("#id_versions", "v5")
        self.page.get_by_role("button", name="登録").click()
        expect(self.page.locator("h1")).to_have_text("施設予約クラウド（v5）")
        # From 千代田区's answered assessment: the preview, then saved as drafts.
        self.page.locator("#sources").get_by_role("link", name="子ども発達支援システム").click()
        expect(self.page.locator("#build-form")).to_contain_text("No.2 対応済み")
        self.page.get_by_role("button", name="選んだ観点を取り込む").click()
        expect(self.page.locator("#drafts")).to_be_visible()
        self.page.get_by_role("button", name="承認待ちをすべて承認").click()
        expect(self.page.locator("#drafts")).to_have_count(0)
        product = Entry.objects.first().product
        actions.save_entries(actor=self.bob, product=product, source="web", changes=[
            (Control.objects.get(key="clickjacking"), {"status": "done", "text": UNUSED})])  # fmt: skip
        actions.approve(actor=self.bob, entries=list(product.entries.filter(state="draft")))
        self.screenshot("library-product")

        # In 港区, its own form: the button, the preview, the fill.
        self.page.goto(self.url(f"/assessments/{self.second.pk}/?municipality=131032"))
        self.page.get_by_role("link", name="回答マスタから記入").click()
        offer = self.page.locator(f"#offer-{self.midori.items.get(label='3-1').key}")
        expect(offer).to_contain_text("TLS")
        expect(offer.locator(".diff-new")).to_contain_text("対応済")
        self.screenshot("library-fill-preview")
        self.page.get_by_role("button", name="選んだ回答を記入").click()
        expect(self.page.locator(".messages")).to_contain_text("回答マスタから記入しました")
        filled = (
            FilledFrom.objects.filter(answer__assessment=self.second)
            .values("answer")
            .distinct()
            .count()
        )
        self.assertGreaterEqual(filled, 20)
        self.assertFalse(FilledFrom.objects.filter(control__key="clickjacking").exists())

        # 港区's reviewer: where the answers came from, and nothing else of the library.
        self.page.get_by_role("button", name="ログアウト").click()
        self.login_reviewer("mori")
        self.page.goto(self.url(f"/assessments/{self.second.pk}/?all=1"))
        source = self.page.locator(f"#library-{self.midori.items.get(label='3-1').key}")
        expect(source).to_contain_text("施設予約クラウド（v5）")
        expect(source).to_contain_text("記入時のまま")
        expect(self.page.locator("body")).not_to_contain_text(UNUSED)
        self.screenshot("library-provenance-reviewer")
        self.assertEqual(self.page.goto(self.url(f"/library/products/{product.pk}/")).status, 404)
        self.assertEqual(self.page.goto(self.url("/library/")).status, 404)
