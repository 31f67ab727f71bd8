from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.management import CommandError, call_command
from django.test import TestCase

from kakunin.accounts.models import Organisation
from kakunin.assessments.actions import create_assessment
from kakunin.catalog.loader import bundled_files
from kakunin.catalog.models import Item, Template
from testsupport.fixtures import make_system, make_user

BUNDLED = bundled_files()[0].read_text(encoding="utf-8")


class LoadCatalogTestCase(TestCase):
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

    def test_it_loads_the_bundled_template(self):
        out = self.load()
        self.assertIn("83項目", out)
        template = Template.objects.get()
        self.assertEqual(template.items.count(), 83)
        self.assertEqual(template.name, "システム導入に係るセキュリティ要件確認一覧表")
        self.assertEqual(template.issuer, "千代田区")
        self.assertIsNotNone(template.effective_date)

    def test_it_is_idempotent(self):
        self.load()
        out = self.load()
        self.assertIn("変更なし", out)
        self.assertEqual(Template.objects.count(), 1)
        self.assertEqual(Item.objects.count(), 83)

    def test_a_new_version_loads_beside_the_old_and_assessments_keep_theirs(self):
        self.load()
        old = Template.objects.get()
        dept = Organisation.objects.create(name="課", kind="ward")
        alice = make_user("alice", "department", dept)
        system = make_system(dept, created_by=alice)
        assessment = create_assessment(actor=alice, system=system, template=old, phase="initial")

        v2 = BUNDLED.replace('version: "1"', 'version: "2"').replace(
            "effective_date: 2026-04-01", "effective_date: 2027-04-01"
        )
        self.load(self.write("v2.yaml", v2))
        self.assertEqual(Template.objects.count(), 2)
        self.assertEqual(Template.default().version, "2")
        assessment.refresh_from_db()
        self.assertEqual(assessment.template, old)
        self.assertEqual(assessment.answers.first().item.template, old)

    def test_it_refuses_changed_content_under_the_same_version(self):
        self.load()
        changed = BUNDLED.replace("WAFを導入すること。", "WAFを導入すること。（改）")
        with self.assertRaisesMessage(CommandError, "version を上げてください"):
            self.load(self.write("same.yaml", changed))
        self.assertFalse(Item.objects.filter(question__contains="（改）").exists())

    def test_it_names_the_line_of_a_yaml_syntax_error(self):
        path = self.write("bad.yaml", "key: x\nversion: [1\nname: y\n")
        with self.assertRaisesMessage(CommandError, "行目") as cm:
            self.load(path)
        self.assertIn("何も読み込んでいません", str(cm.exception))
        self.assertFalse(Template.objects.exists())

    def test_it_names_the_key_of_an_item_missing_its_question(self):
        broken = BUNDLED.replace(
            "    question: |-\n      外部に公開する必要のないポートは遮断すること\n", ""
        )
        with self.assertRaises(CommandError) as cm:
            self.load(self.write("broken.yaml", broken))
        self.assertIn("web-port-blocking", str(cm.exception))
        self.assertIn("question", str(cm.exception))
        self.assertRegex(str(cm.exception), r"\d+行目")

    def test_it_refuses_an_unknown_condition(self):
        broken = BUNDLED.replace("condition: [servers]", "condition: [server]", 1)
        with self.assertRaisesMessage(CommandError, "条件「server」"):
            self.load(self.write("broken.yaml", broken))

    def test_it_refuses_a_duplicated_key(self):
        broken = BUNDLED.replace("key: pw-rotation", "key: pw-composition")
        with self.assertRaisesMessage(CommandError, "項目キーが重複"):
            self.load(self.write("broken.yaml", broken))

    def test_it_refuses_a_related_key_that_does_not_exist(self):
        broken = BUNDLED.replace("related: [web-password-rules]", "related: [web-password-rule]")
        with self.assertRaisesMessage(CommandError, "web-password-rule"):
            self.load(self.write("broken.yaml", broken))

    def test_it_refuses_an_unknown_field(self):
        broken = BUNDLED.replace("    number: 6\n", "    number: 6\n    numbr: 6\n")
        with self.assertRaisesMessage(CommandError, "numbr"):
            self.load(self.write("broken.yaml", broken))

    def test_one_bad_file_loads_nothing(self):
        v2 = BUNDLED.replace('version: "1"', 'version: "2"')
        good = self.write("good.yaml", v2)
        bad = self.write("bad.yaml", "items: 3\n")
        with self.assertRaises(CommandError):
            self.load(good, bad)
        self.assertFalse(Template.objects.exists())

    def test_it_reports_an_unreadable_file(self):
        with self.assertRaisesMessage(CommandError, "読み込めません"):
            self.load(Path(self.tmp.name) / "missing.yaml")
