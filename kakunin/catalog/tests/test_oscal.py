"""OSCAL 1.1 through compliance-trestle: a form exported as a catalog and an approved
assessment as assessment-results, each loaded back through trestle; a catalog loaded
as a form; a file that does not validate refused, nothing saved."""

import json
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from trestle.oscal import OSCAL_VERSION
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog

from kakunin.catalog.models import Template
from testsupport.fixtures import BaseTestCase, fill_everything


class OscalTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name: str) -> Path:
        return Path(self.tmp.name) / name

    def export(self, *args) -> dict:
        target = self.path("out.json")
        call_command("export_oscal", *map(str, args), "-o", str(target), stdout=StringIO())
        return json.loads(target.read_text(encoding="utf-8"))

    def test_a_form_is_a_catalog_that_trestle_reads_back(self):
        data = self.export("catalog", self.template.pk)
        self.assertEqual(OSCAL_VERSION[:3], "1.1")
        catalog = Catalog.parse_obj(data["catalog"])
        self.assertEqual(catalog.metadata.oscal_version.__root__, OSCAL_VERSION)
        controls = [c for g in catalog.groups for c in g.controls]
        self.assertEqual(len(controls), 83)
        tls = next(c for c in controls if c.id == "web-tls-version")
        self.assertEqual(tls.parts[0].name, "statement")
        self.assertIn("TLS1.2以上を使用", tls.parts[0].prose)
        self.assertIn("tls-version", [p.value for p in tls.props if p.name == "kakunin-control"])
        # The web offers the same file to whoever reads the forms.
        self.client.force_login(self.alice)
        r = self.client.get(reverse("catalog:oscal", args=[self.template.pk]))
        self.assertEqual(json.loads(r.content), data)

    def test_a_catalog_loads_as_a_form_with_its_controls(self):
        source = self.path("chiyoda.json")
        source.write_text(json.dumps(self.export("catalog", self.template.pk)), encoding="utf-8")
        out = StringIO()
        call_command("import_oscal", str(source), "--key", "from-oscal", stdout=out)
        form = Template.objects.get(key="from-oscal")
        self.assertEqual(form.items.count(), 83)
        item = form.items.get(key="web-tls-version")
        self.assertEqual(item.shown_number, "61")
        self.assertEqual(list(item.controls.values_list("key", flat=True)), ["tls-version"])
        original = self.template.items.get(key="info-assets")
        self.assertEqual(form.items.get(key="info-assets").examples, original.examples)

    def test_an_approved_assessment_is_assessment_results_that_trestle_reads_back(self):
        with self.assertRaisesMessage(CommandError, "承認された確認票だけ"):
            self.export("results", self.assessment.pk)
        fill_everything(self.assessment, self.bob)
        type(self.assessment).objects.filter(pk=self.assessment.pk).update(
            state="approved", approved_at=timezone.now(), approved_by=self.rita
        )
        data = self.export("results", self.assessment.pk)
        results = AssessmentResults.parse_obj(data["assessment-results"])
        findings = results.results[0].findings
        applicable = sum(1 for a in self.assessment.applicability().values() if a.applies)
        self.assertEqual(len(findings), applicable)
        tls = next(f for f in findings if f.target.target_id == "web-tls-version_smt")
        self.assertEqual(tls.target.status.state.value, "satisfied")

    def test_a_file_that_does_not_validate_is_refused_and_nothing_is_saved(self):
        cases = {
            "not-json.json": ("{catalog", "JSON として読めません"),
            "not-catalog.json": ('{"profile": {}}', "OSCAL のカタログ"),
            "invalid.json": ('{"catalog": {"uuid": "x", "metadata": {}}}', "正しくありません"),
        }
        for name, (text, message) in cases.items():
            with self.subTest(file=name):
                path = self.path(name)
                path.write_text(text, encoding="utf-8")
                with self.assertRaisesMessage(CommandError, message):
                    call_command("import_oscal", str(path), "--key", "bad", stdout=StringIO())
                self.assertFalse(Template.objects.filter(key="bad").exists())
