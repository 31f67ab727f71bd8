"""A security reviewer loads a city's own Excel form in Chromium: uploads it, reads
the preview (the columns, the answer words, each item's suggested controls), corrects
an item's controls, saves, and finds the form with its items and their controls."""

import tempfile
from pathlib import Path

from playwright.sync_api import expect

from kakunin.catalog.models import Template
from testsupport import municipal_form
from testsupport.browser import BrowserTestCase


class LoadACitysFormInTheBrowser(BrowserTestCase):
    def test_the_reviewer_uploads_corrects_and_saves_the_citys_form(self):
        self.login_reviewer()
        self.page.goto(self.url("/forms/"))
        self.page.click("text=自治体の様式（Excel）を読み込む")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "midori.xlsx"
            path.write_bytes(municipal_form.build())
            self.page.set_input_files("#id_file", str(path))
            self.page.fill("#id_key", "midori")
            self.page.click("form.card button[type=submit]")
        expect(self.page.locator("h1")).to_have_text("様式の読み取り結果")
        expect(self.page.locator("#columns")).to_contain_text("事業者記入欄")
        expect(self.page.locator("#words")).to_contain_text("○")
        expect(self.page.locator("#item-7")).to_contain_text("TLSのバージョン")
        self.screenshot("form-definition-preview")
        # The last item (9-2) is the city's pledge: the person tags it by hand.
        self.page.select_option(
            "select[name=controls-26]", ["security-status-report", "certifications"]
        )
        self.page.click("button[value=apply]")
        expect(self.page.locator("h1")).to_contain_text("みどり市")
        expect(self.page.locator("#item-item-27")).to_contain_text("第三者認証")
        form = Template.objects.get(key="midori")
        tags = set(form.items.get(label="9-2").controls.values_list("key", flat=True))
        self.assertEqual(tags, {"security-status-report", "certifications"})
