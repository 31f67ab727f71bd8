"""The control vocabulary under every form: loaded, named by every item, checked,
and what follows from it (related items, the numbers a feature shows, which form a
system uses)."""

from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import yaml
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.utils import translation

from kakunin.accounts.models import Organisation
from kakunin.assessments.actions import create_assessment
from kakunin.catalog.loader import VOCABULARY, bundled_files, read_vocabulary
from kakunin.catalog.models import Control, Item, Template, controls_of, number_runs
from testsupport.fixtures import make_system, make_user

BUNDLED = bundled_files()[0].read_text(encoding="utf-8")

# A small form of another municipality, written as a definition: numbered its own
# way, no related items of its own, two items asking about TLS.
OTHER = """
key: other-city
version: "1"
name: 情報システム調達時のセキュリティチェックシート
issuer: 他市
effective_date: 2026-06-01
standards:
  base: {name: 他市情報セキュリティ対策基準}
high: {confidentiality: 3, integrity: 3, availability: 3}
items:
  - key: tls
    number: 1
    section: 通信
    subsection: 暗号化
    standard: base
    question: 通信はTLS1.2以上で暗号化していますか。
    controls: [tls-version, https]
  - key: password
    number: 2
    section: 認証
    subsection: パスワード
    standard: base
    question: パスワードは8文字以上ですか。
    controls: [password-rules]
  - key: web-tls
    number: 3
    section: Web
    subsection: TLS
    standard: base
    question: Webサイトで古いTLSを無効にしていますか。
    controls: [tls-version]
"""


class ControlsTestCase(TestCase):
    def setUp(self):
        self.tmp = TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name: str, text: str) -> Path:
        path = Path(self.tmp.name) / name
        path.write_text(text, encoding="utf-8")
        return path

    def load(self, *paths) -> str:
        out = StringIO()
        call_command("load_catalog", *[str(p) for p in paths], stdout=out)
        return out.getvalue()

    def test_the_vocabulary_has_a_title_in_both_languages_for_each_control(self):
        controls = read_vocabulary()
        self.assertTrue(60 <= len(controls) <= 90, len(controls))
        for c in controls:
            self.assertTrue(c["title"] and c["title_en"] and c["group_title_en"], c)
        self.load()
        self.assertEqual(Control.objects.count(), len(controls))
        self.assertEqual(
            Control.objects.get(key="data-inventory").title_en, "Information handled, identified"
        )
        tls = Control.objects.get(key="tls-version")
        self.assertEqual(tls.title, "TLSのバージョン")
        with translation.override("en"):
            self.assertEqual(tls.label, "TLS version")

    def test_every_item_of_the_bundled_form_names_its_controls(self):
        self.load()
        template = Template.objects.get()
        tagged = controls_of(template.items.all())
        self.assertEqual(len(tagged), 83)
        self.assertEqual([pk for pk, keys in tagged.items() if not keys], [])
        item = template.items.get(number=61)
        self.assertEqual(tagged[item.pk], ["tls-version"])
        # The report item asks about what it reports on.
        report = template.items.get(number=72)
        self.assertIn("software-inventory", tagged[report.pk])

    def test_an_unknown_control_is_refused_with_its_line_and_key(self):
        broken = BUNDLED.replace("controls: [tls-version]", "controls: [tls-versoin]", 1)
        with self.assertRaises(CommandError) as cm:
            self.load(self.write("broken.yaml", broken))
        message = str(cm.exception)
        self.assertIn("tls-versoin", message)
        self.assertIn("web-tls-version", message)
        self.assertRegex(message, r"\d+行目")
        self.assertFalse(Template.objects.exists())

    def test_an_item_without_controls_loads_and_is_listed_for_a_person_to_tag(self):
        untagged = BUNDLED.replace("    controls: [tls-version]\n", "", 1)
        out = self.load(self.write("untagged.yaml", untagged))
        self.assertIn("管理策のない項目（Web の様式管理で付けてください）: No.61", out)
        self.assertFalse(Template.objects.get().items.get(number=61).controls.exists())

    def test_a_loaded_version_is_retagged_without_touching_its_wording(self):
        self.load()
        template = Template.objects.get()
        # As an installation loaded before the vocabulary: no tags, another digest.
        Item.controls.through.objects.all().delete()
        Template.objects.update(source_sha256="0" * 64)
        out = self.load()
        self.assertIn("管理策の対応付けを更新しました", out)
        self.assertEqual(Template.objects.get().pk, template.pk)
        self.assertEqual(
            list(template.items.get(number=61).controls.values_list("key", flat=True)),
            ["tls-version"],
        )
        self.assertIn("変更なし", self.load())

    def test_a_form_of_its_own_numbering_loads_and_relates_its_items_by_controls(self):
        self.load(self.write("other.yaml", OTHER))
        form = Template.objects.get(key="other-city")
        by_key = {i.key: i for i in form.items.all()}
        self.assertEqual(by_key["tls"].related, ["web-tls"])
        self.assertEqual(by_key["web-tls"].related, ["tls"])
        self.assertEqual(by_key["password"].related, [])
        self.assertEqual(form.numbers_of(["tls-version"]), "1, 3")
        self.assertEqual(form.numbers_of(["tls-version", "password-rules"]), "1–3")
        self.assertEqual(form.numbers_of(["disposal-certificate"]), "")

    def test_the_bundled_form_keeps_the_related_items_it_names(self):
        self.load()
        item = Template.objects.get().items.get(key="web-password-rules")
        self.assertEqual(item.related, ["pw-composition"])

    def test_number_runs(self):
        self.assertEqual(number_runs([72, 66, 68, 69]), "66, 68–69, 72")
        self.assertEqual(number_runs([]), "")

    def test_the_vocabulary_file_is_the_one_shipped(self):
        data = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))
        keys = [c["key"] for c in data["controls"]]
        self.assertEqual(len(keys), len(set(keys)))


class WhichFormTestCase(TestCase):
    """With a second form loaded, each system keeps its own; the newest never wins
    everywhere."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_catalog", stdout=StringIO())
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "other.yaml"
            path.write_text(OTHER, encoding="utf-8")
            call_command("load_catalog", str(path), stdout=StringIO())
        cls.chiyoda = Template.objects.get(key="chiyoda-system-security")
        cls.other = Template.objects.get(key="other-city")
        dept = Organisation.objects.create(name="課", kind="ward")
        cls.alice = make_user("alice", "department", dept)
        cls.system = make_system(dept, created_by=cls.alice)

    def test_the_form_loaded_first_is_the_default(self):
        self.assertEqual(Template.default(), self.chiyoda)
        self.assertEqual(self.system.form, self.chiyoda)

    @override_settings(DEFAULT_FORM="other-city")
    def test_default_form_names_the_form_new_systems_use(self):
        self.assertEqual(Template.default(), self.other)

    def test_a_system_assessed_against_a_form_keeps_it(self):
        create_assessment(
            actor=self.alice, system=self.system, template=self.other, phase="initial"
        )
        system = type(self.system).objects.get(pk=self.system.pk)
        self.assertEqual(system.form, self.other)
        self.assertEqual(system.form_in_force(), self.other)
        response = self.client
        response.force_login(self.alice)
        page = response.get(f"/systems/{system.pk}/").content.decode()
        self.assertIn("情報システム調達時のセキュリティチェックシート", page)


class LayoutDefinitionTestCase(TestCase):
    """A definition's layout is checked whole when it is loaded: a column Kakunin does
    not know, or a form without a question column, loads nothing."""

    def load(self, layout: str) -> str:
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "other.yaml"
            path.write_text(
                OTHER.replace("items:", f"layout:\n{layout}\nitems:", 1), encoding="utf-8"
            )
            with self.assertRaises(CommandError) as cm:
                call_command("load_catalog", str(path), stdout=StringIO())
        self.assertFalse(Template.objects.exists())
        return str(cm.exception)

    def test_an_unknown_column_is_refused(self):
        message = self.load(
            "  columns:\n    - {field: number, heading: 'No'}\n    - {field: remarks, heading: 備考}"
        )
        self.assertIn("列「remarks」は知らない列です", message)

    def test_a_layout_without_a_question_column_is_refused(self):
        message = self.load(
            "  columns:\n    - {field: number, heading: 'No'}\n    - {field: answer, heading: 回答}"
        )
        self.assertIn("必要な列がありません: question", message)

    def test_status_words_that_mean_two_statuses_are_refused(self):
        message = self.load("  status_words: {done: [○], not_done: [○]}")
        self.assertIn("「○」が2つの状態の言葉になっています", message)
