"""A real clamd (Debian's clamav-daemon, installed by .ci/run) with the EICAR test file
(testsupport.servers.Clamd)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kakunin.audit.models import Event
from kakunin.evidence import clamav
from kakunin.evidence.models import Evidence
from testsupport.fixtures import BaseTestCase
from testsupport.servers import EICAR, Clamd


class ClamdTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clamd = Clamd()
        cls.socket = cls.clamd.socket

    @classmethod
    def tearDownClass(cls):
        cls.clamd.stop()
        super().tearDownClass()

    def upload(self, name, data):
        self.client.force_login(self.bob)
        url = reverse("evidence:add", args=[self.assessment.pk, "pw-composition"])
        return self.client.post(
            url, {"file": SimpleUploadedFile(name, data)}, headers={"HX-Request": "true"}
        )

    def test_clamd_finds_eicar_and_passes_a_clean_file(self):
        with override_settings(CLAMAV_SOCKET=str(self.socket)):
            # A signature of our own is reported with ".UNOFFICIAL"; the official one without.
            self.assertEqual(clamav.scan(EICAR), "Eicar-Test-Signature.UNOFFICIAL")
            self.assertIsNone(clamav.scan(b"just a policy document"))

    def test_an_infected_upload_is_refused_and_recorded(self):
        with override_settings(CLAMAV_SOCKET=str(self.socket)):
            r = self.upload("eicar.txt", EICAR)
            self.assertContains(r, "ウイルスが検出されたため受け付けません（Eicar-Test-Signature")
            self.assertFalse(Evidence.objects.exists())
            self.assertTrue(Event.objects.filter(action="evidence.malware").exists())
            r = self.upload("clean.txt", "規程の写し".encode())
            self.assertTrue(Evidence.objects.filter(filename="clean.txt").exists())

    def test_no_scanner_means_no_upload(self):
        with override_settings(CLAMAV_SOCKET=str(self.clamd.tmp / "no-such.sock")):
            r = self.upload("clean.txt", b"hello")
            self.assertContains(r, "ウイルス検査ができないため")
            self.assertFalse(Evidence.objects.exists())
