"""The forms in the web: a city's Excel form uploaded and corrected in its preview
before anything is saved; versions drafted, tagged, compared and published; a
published version frozen; new assessments made with the version in force, their
answers carried across versions through the controls."""

import re
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from kakunin.assessments.actions import create_assessment
from kakunin.audit.models import Event
from kakunin.catalog import actions
from kakunin.catalog.layout import Layout
from kakunin.catalog.models import Template
from kakunin.forms_xlsx.models import DefinitionImport
from testsupport import municipal_form
from testsupport.fixtures import BaseTestCase, fill_everything, make_system


class UploadTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.rita)

    def upload(self, data: bytes, **fields):
        url = reverse("form_definitions:upload")
        return self.client.post(
            url, {"file": SimpleUploadedFile("midori.xlsx", data), "version": "1", **fields}
        )

    def test_the_preview_shows_what_was_read_and_takes_corrections_before_saving(self):
        r = self.upload(municipal_form.build(), key="midori")
        staged = DefinitionImport.objects.get()
        self.assertRedirects(r, reverse("form_definitions:preview", args=[staged.pk]))
        page = self.client.get(r["Location"]).content.decode()
        self.assertIn("（シート「チェックシート」）</span>: 見出し 2 行、27 項目", page)
        self.assertIn("事業者記入欄", page)  # the group of the two header rows
        self.assertIn('<option value="verdict" selected>', page)
        self.assertIn("TLSのバージョン", page)  # a suggestion, with its score
        self.assertFalse(Template.objects.filter(key="midori").exists())  # nothing saved yet

        # The person corrects: the city's check column left aside, × read as 一部対応,
        # item 9-2 tagged by hand; then saves.
        post = self.preview_post(page)
        post.update({"column-6": "", "word-1": "partial", "controls-26": ["certifications"]})
        r = self.client.post(r["Location"], {**post, "decision": "update"})
        self.assertEqual(r.status_code, 302, re.findall(r"<li>(.*?)</li>", r.content.decode())[:8])
        page = self.client.get(r["Location"]).content.decode()
        self.assertIn('<select name="column-6" aria-label="6"><option value="" selected>', page)
        r = self.client.post(r["Location"], {**self.preview_post(page), "decision": "apply"})
        form = Template.objects.get(key="midori")
        self.assertRedirects(r, reverse("catalog:detail", args=[form.pk]))
        layout = Layout.of(form)
        self.assertFalse(layout.has("verdict"))
        self.assertEqual(layout.parse_status("×"), "partial")
        tagged = form.items.get(label="9-2").controls.values_list("key", flat=True)
        self.assertEqual(list(tagged), ["certifications"])
        self.assertEqual(DefinitionImport.objects.get().state, "applied")
        self.assertTrue(
            Event.objects.filter(action="form.definition_upload", actor=self.rita).exists()
        )
        self.assertTrue(Event.objects.filter(action="catalog.form_load", actor=self.rita).exists())

    def preview_post(self, page: str) -> dict:
        """What the page's form would send as it stands (the selected options)."""
        data: dict = {}
        for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
            name, options = select.group(1), select.group(2)
            chosen = re.findall(r'<option value="([^"]*)" selected>', options)
            data[name] = chosen if name.startswith("controls-") else (chosen[0] if chosen else "")
        for field in ("name", "issuer", "key", "version"):
            found = re.search(rf'name="{field}"[^>]*value="([^"]*)"', page)
            data[field] = found.group(1) if found else ""
        return data

    def test_a_file_that_is_not_a_form_is_refused_and_nothing_is_kept(self):
        r = self.upload(b"No,question\n1,x\n")
        self.assertContains(r, "様式として読み込めません", status_code=400)
        self.assertContains(r, "CSV", status_code=400)
        self.assertFalse(DefinitionImport.objects.exists())
        self.assertFalse(Template.objects.exclude(pk=self.template.pk).exists())

    def test_cancelling_saves_nothing(self):
        r = self.upload(municipal_form.build(), key="midori")
        self.client.post(r["Location"], {"decision": "cancel"})
        self.assertEqual(DefinitionImport.objects.get().state, "cancelled")
        self.assertFalse(Template.objects.filter(key="midori").exists())

    def test_an_unknown_control_in_the_corrections_is_refused(self):
        r = self.upload(municipal_form.build(), key="midori")
        page = self.client.get(r["Location"]).content.decode()
        post = {**self.preview_post(page), "controls-0": ["no-such-control"], "decision": "apply"}
        answer = self.client.post(r["Location"], post)
        self.assertContains(answer, "管理策「no-such-control」はありません", status_code=400)
        self.assertFalse(Template.objects.filter(key="midori").exists())

    def test_only_reviewers_and_administrators_upload(self):
        for user in (self.alice, self.bob, self.audrey):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("form_definitions:upload")).status_code, 404)

    def test_another_content_under_a_loaded_version_is_refused_and_the_preview_stays(self):
        self.upload(municipal_form.build(), key="midori")
        first = DefinitionImport.objects.get()
        page = self.client.get(
            reverse("form_definitions:preview", args=[first.pk])
        ).content.decode()
        self.client.post(
            reverse("form_definitions:preview", args=[first.pk]),
            {**self.preview_post(page), "decision": "apply"},
        )
        form = Template.objects.get(key="midori")
        before = list(form.items.get(label="1-1").controls.values_list("key", flat=True))
        # The same file again, its first item tagged otherwise: a new version is needed.
        self.upload(municipal_form.build(), key="midori")
        second = DefinitionImport.objects.filter(state="pending").get()
        url = reverse("form_definitions:preview", args=[second.pk])
        page = self.client.get(url).content.decode()
        r = self.client.post(
            url, {**self.preview_post(page), "controls-0": ["mfa"], "decision": "apply"}
        )
        self.assertRedirects(r, url, fetch_redirect_response=False)
        self.assertContains(self.client.get(url), "版（version）を変えて")
        self.assertEqual(
            list(form.items.get(label="1-1").controls.values_list("key", flat=True)), before
        )


class VersionsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.rita)

    def test_a_draft_is_changed_compared_and_published_and_then_frozen(self):
        r = self.client.post(reverse("catalog:new_version", args=[self.template.pk]))
        draft = Template.objects.get(key=self.template.key, version="2")
        self.assertRedirects(r, reverse("catalog:detail", args=[draft.pk]))
        self.assertTrue(draft.is_draft)
        self.assertEqual(
            Template.current(self.template.key), self.template
        )  # drafts are not in force
        url = reverse("catalog:item", args=[draft.pk, "web-waf"])
        r = self.client.post(
            url, {"condition": ["web"], "controls": ["waf", "intrusion-detection"]}
        )
        self.assertEqual(r.status_code, 302, re.findall(r"<li>(.*?)</li>", r.content.decode())[:8])
        compared = self.client.get(reverse("catalog:compare", args=[draft.pk, self.template.pk]))
        self.assertContains(compared, 'id="changed-web-waf"')
        self.assertContains(compared, "waf, intrusion-detection")
        self.assertContains(compared, "web, high-any")
        self.client.post(reverse("catalog:publish", args=[draft.pk]))
        draft.refresh_from_db()
        self.assertFalse(draft.is_draft)
        self.assertEqual(Template.current(self.template.key), draft)
        # Frozen: the published version refuses a change, saying what to do.
        r = self.client.post(url, {"condition": [], "controls": ["waf"]})
        self.assertContains(r, "新しい版を作る", status_code=400)
        self.assertEqual(draft.items.get(key="web-waf").condition, ["web"])
        actions_done = set(Event.objects.values_list("action", flat=True))
        self.assertLessEqual(
            {"catalog.form_draft", "catalog.item_edit", "catalog.form_publish"}, actions_done
        )

    def test_an_untagged_item_of_a_published_version_can_be_tagged(self):
        # The municipality's own published version; the service's form is every
        # municipality's, and none of them changes it (403).
        own = actions.new_version(actor=self.rita, template=self.template)
        actions.publish(actor=self.rita, template=own)
        item = own.items.get(key="web-waf")
        item.controls.clear()
        url = reverse("catalog:item", args=[own.pk, "web-waf"])
        r = self.client.post(url, {"condition": item.condition, "controls": ["waf"]})
        self.assertEqual(r.status_code, 302, re.findall(r"<li>(.*?)</li>", r.content.decode())[:8])
        self.assertEqual(list(item.controls.values_list("key", flat=True)), ["waf"])
        shared = reverse("catalog:item", args=[self.template.pk, "web-waf"])
        r = self.client.post(shared, {"condition": item.condition, "controls": []})
        self.assertEqual(r.status_code, 403)
        self.assertTrue(self.template.items.get(key="web-waf").controls.exists())

    def test_a_new_version_keeps_the_answers_through_the_controls(self):
        fill_everything(self.assessment, self.bob)
        draft = actions.new_version(actor=self.rita, template=self.template)
        # Version 2 renames an item: its key changes, its controls stay.
        draft.items.filter(key="web-https").update(key="https-everywhere")
        actions.publish(actor=self.rita, template=draft)
        answers = {a.item.key: a for a in self.assessment.answers.select_related("item")}
        self.assertTrue(answers["web-https"].text)
        self.assessment.state = "approved"
        self.assessment.save()
        yearly = create_assessment(
            actor=self.alice, system=self.system, template=draft, phase="operation",
            fiscal_year=2027, carry_from=self.assessment,
        )  # fmt: skip
        moved = yearly.answers.get(item__key="https-everywhere")
        self.assertEqual(moved.text, answers["web-https"].text)
        self.assertTrue(moved.carried)

    def test_the_department_reads_the_forms_and_vendors_do_not_see_them(self):
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(reverse("catalog:list")), self.template.name)
        self.assertEqual(
            self.client.post(reverse("catalog:publish", args=[self.template.pk])).status_code, 403
        )
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("catalog:list")).status_code, 404)


class ImportedFormConditionsTestCase(BaseTestCase):
    """A form read from Excel has no conditions of its own: a draft of it is given
    the standard ones (a profile flag, a high C/I/A) item by item."""

    def test_a_draft_of_an_imported_form_takes_a_standard_condition(self):
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "midori.xlsx"
            path.write_bytes(municipal_form.build())
            call_command("import_form_definition", str(path), "--key", "midori", stdout=StringIO())
        city = Template.objects.get(key="midori")
        self.assertEqual(city.conditions, {})
        draft = actions.new_version(actor=self.rita, template=city)
        item = draft.items.get(label="3-2")
        self.client.force_login(self.rita)
        url = reverse("catalog:item", args=[draft.pk, item.key])
        self.assertContains(self.client.get(url), "【Webサイト・Web画面・Web APIを提供する場合】")
        r = self.client.post(url, {"condition": ["web"], "controls": ["https"]})
        self.assertEqual(r.status_code, 302)
        draft.refresh_from_db()
        self.assertEqual(draft.conditions["web"]["flag"], "serves_web")
        item.refresh_from_db()
        self.assertEqual(item.condition, ["web"])
        no_web = make_system(
            self.kodomo, created_by=self.alice, name="窓口システム", serves_web=False
        )
        self.assertFalse(draft.evaluate(item, no_web).applies)


class HighLevelsTestCase(BaseTestCase):
    def test_a_drafts_levels_of_high_change_and_a_published_ones_do_not(self):
        self.client.force_login(self.rita)
        draft = actions.new_version(actor=self.rita, template=self.template)
        url = reverse("catalog:high", args=[draft.pk])
        self.client.post(url, {"confidentiality": "2", "integrity": "2", "availability": "2"})
        draft.refresh_from_db()
        self.assertEqual(draft.high, {"confidentiality": 2, "integrity": 2, "availability": 2})
        # The system (C2) is now 「高」 for the draft's high-any items.
        item = draft.items.get(key="web-waf")
        self.assertTrue(draft.evaluate(item, self.system).applies)
        self.assertTrue(Event.objects.filter(action="catalog.form_high").exists())
        # The service's form (published, every municipality's) is not theirs to change.
        r = self.client.post(
            reverse("catalog:high", args=[self.template.pk]),
            {"confidentiality": "1", "integrity": "1", "availability": "1"},
        )
        self.assertEqual(r.status_code, 403)
        self.template.refresh_from_db()
        self.assertEqual(self.template.high["confidentiality"], 3)
