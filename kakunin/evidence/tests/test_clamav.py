"""A real clamd (Debian's clamav-daemon, installed by .ci/run) with the EICAR test file.

clamd runs with a signature database of one line, made here: the machine has no
internet, so the official databases cannot be fetched, and EICAR is all we need.
"""

import hashlib
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kakunin.audit.models import Event
from kakunin.evidence import clamav
from kakunin.evidence.models import Evidence
from testsupport.fixtures import BaseTestCase

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"


class ClamdTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not Path(CLAMD).exists():
            raise RuntimeError("clamd is missing: install Debian's clamav-daemon (see .ci/run)")
        cls.tmp = Path(tempfile.mkdtemp(prefix="kakunin-clamd-"))
        (cls.tmp / "db").mkdir()
        md5 = hashlib.md5(EICAR).hexdigest()  # noqa: S324 (ClamAV's .hdb format is MD5)
        (cls.tmp / "db" / "eicar.hdb").write_text(f"{md5}:{len(EICAR)}:Eicar-Test-Signature\n")
        cls.socket = cls.tmp / "clamd.sock"
        (cls.tmp / "clamd.conf").write_text(
            f"LocalSocket {cls.socket}\nDatabaseDirectory {cls.tmp / 'db'}\nForeground yes\n"
            f"TemporaryDirectory {cls.tmp}\nLogFile {cls.tmp / 'clamd.log'}\n"
        )
        cls.clamd = subprocess.Popen([CLAMD, "--config-file", str(cls.tmp / "clamd.conf")])
        deadline = time.monotonic() + 60
        while not cls.socket.exists():
            if time.monotonic() > deadline or cls.clamd.poll() is not None:
                log = (
                    (cls.tmp / "clamd.log").read_text() if (cls.tmp / "clamd.log").exists() else ""
                )
                raise RuntimeError(f"clamd did not start: {log[-2000:]}")
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.clamd.terminate()
        cls.clamd.wait(timeout=20)
        shutil.rmtree(cls.tmp, ignore_errors=True)
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
        with override_settings(CLAMAV_SOCKET=str(self.tmp / "no-such.sock")):
            r = self.upload("clean.txt", b"hello")
            self.assertContains(r, "ウイルス検査ができないため")
            self.assertFalse(Evidence.objects.exists())
