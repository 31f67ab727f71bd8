"""A system's inventory through the API: uploads, components, vulnerabilities."""

from cyclonedx.model.component import ComponentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kakunin.api.tests.base import (
    ApiTestCase,
    make_finding,
)
from kakunin.audit.models import Event
from kakunin.evidence.models import Evidence
from kakunin.inventory.models import Component
from kakunin.inventory.tests.test_inventory import CSV, cyclonedx


class InventoryTestCase(ApiTestCase):
    def test_a_pipeline_sends_its_sbom_at_each_release(self):
        url = reverse("api:inventory", args=[self.system.pk])
        bom = cyclonedx(
            [("openssl", "3.0.13", ComponentType.LIBRARY), ("zlib", "1.3", ComponentType.LIBRARY)]
        )
        r = self.call(
            "bob", "post", url, {"file": SimpleUploadedFile("bom.json", bom), "dry_run": "true"}
        )
        self.assertEqual(r.json(), {"added": 2, "changed": 0, "removed": 0, "applied": False})
        self.assertFalse(Component.objects.exists())
        r = self.call("bob", "post", url, {"file": SimpleUploadedFile("bom.json", bom)})
        self.assertEqual((r.status_code, r.json()["applied"]), (201, True), r.content)
        listed = self.call("rita", "get", reverse("api:components", args=[self.system.pk])).json()[
            "results"
        ]
        self.assertEqual(
            sorted((c["product"], c["version"]) for c in listed),
            [("openssl", "3.0.13"), ("zlib", "1.3")],
        )
        newer = cyclonedx([("openssl", "3.0.14", ComponentType.LIBRARY)])
        r = self.call("bob", "post", url, {"file": SimpleUploadedFile("bom.json", newer)})
        self.assertEqual(r.json(), {"added": 1, "changed": 0, "removed": 2, "applied": True})
        self.assertTrue(Event.objects.filter(action="inventory.import").exists())

    def test_a_bad_file_is_refused_with_the_webs_reasons_and_nothing_changes(self):
        url = reverse("api:inventory", args=[self.system.pk])
        for name, data, message in [
            ("bom.json", b'{"bomFormat": "Nope"}', "CycloneDX"),
            ("bom.json", b"{not json", "JSON"),
            ("list.txt", b"hello", "txt"),
        ]:
            with self.subTest(data=data[:20]):
                r = self.call("bob", "post", url, {"file": SimpleUploadedFile(name, data)})
                self.assertEqual(r.status_code, 400, r.content)
                self.assertIn(message, str(r.json()["errors"]))
        with override_settings(INVENTORY_IMPORT_MAX_BYTES=100):
            r = self.call(
                "bob", "post", url, {"file": SimpleUploadedFile("list.csv", CSV.encode())}
            )
            self.assertIn("大きすぎます", r.json()["detail"])
        self.assertFalse(Component.objects.exists())


class VulnerabilityTestCase(ApiTestCase):
    def test_the_vendor_answers_a_finding_with_the_webs_rules(self):
        finding = make_finding(self.system)
        url = reverse("api:finding_response", args=[self.system.pk, finding.pk])
        for data, field in [
            ({"kind": "fixed"}, "date"),
            ({"kind": "fixed", "date": "2026-12-01"}, "fixed_version"),
            ({"kind": "not_affected"}, "reason"),
            ({"kind": "maybe"}, "kind"),
            ({"kind": "planned", "date": "someday"}, "date"),
        ]:
            with self.subTest(data=data):
                r = self.call("bob", "post", url, data)
                self.assertEqual(r.status_code, 400, r.content)
                self.assertIn(field, r.json()["errors"])
        r = self.call("bob", "post", url, {"kind": "fixed", "date": "2026-12-01", "fixed_version": "9.5",
                                           "file": SimpleUploadedFile("changelog.txt", b"updated to 9.5")})  # fmt: skip
        self.assertEqual(r.status_code, 201, r.content)
        listed = self.call("rita", "get", reverse("api:findings", args=[self.system.pk])).json()[
            "results"
        ]
        self.assertEqual(listed[0]["vulnerability"], "CVE-2024-0001")
        self.assertEqual([x["kind"] for x in listed[0]["responses"]], ["fixed"])
        self.assertTrue(Event.objects.filter(action="vulnerability.respond").exists())
        self.assertEqual(Evidence.objects.count(), 1)
