"""Two app nodes and two job workers on loopback, against one PostgreSQL and one
Redis, with nginx in front (README: Several app nodes). The vendor's journey goes
through nginx while one node and one worker are killed: nothing it did is lost, the
scan runs once, and the audit chain holds."""

import io
import re
import time

import httpx
import openpyxl
from django.conf import settings
from django.test import SimpleTestCase

from testsupport.nodes import Deployment

PASSWORD = "Nodes-Test-Pass-2026"
KEYS = ["pw-composition", "pw-rotation", "access-separation", "access-review",
        "backup-frequency", "backup-recovery", "backup-offsite", "log-retention"]  # fmt: skip

SETUP = f"""
from kakunin.assessments.actions import create_assessment
from kakunin.catalog.models import Template
from kakunin.accounts.models import Organisation, Role
from testsupport.fixtures import make_system, make_user
ward = Organisation.objects.create(name="子ども支援課", kind="ward")
vendor = Organisation.objects.create(name="株式会社アルファ", kind="vendor")
alice = make_user("alice", Role.DEPARTMENT, ward, password={PASSWORD!r})
bob = make_user("bob", Role.VENDOR, vendor, password={PASSWORD!r})
make_user("carol", Role.VENDOR, vendor, password={PASSWORD!r})
system = make_system(ward, [vendor], created_by=alice, members=[bob], serves_web=True)
system.scan_targets.create(url="http://127.0.0.1:9/", created_by=alice)
a = create_assessment(actor=alice, system=system, template=Template.default(), phase="initial")
print(a.pk, system.pk)
"""


class TwoNodesTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deployment = Deployment(settings.FIELD_ENCRYPTION_KEYS)
        cls.addClassCleanup(cls.deployment.stop)
        out = cls.deployment.prepare(SETUP)
        cls.assessment, cls.system = (int(n) for n in out.split()[-2:])
        cls.deployment.start()

    def sql(self, query: str, *params):
        return self.deployment.sql(query, *params)

    # --- through nginx, as a browser: a failed request is tried again once ------

    def request(self, method: str, path: str, **kw) -> httpx.Response:
        for attempt in (1, 2):
            try:
                r = self.http.request(method, path, **kw)
                if r.status_code < 500:
                    return r
            except httpx.TransportError:
                if attempt == 2:
                    raise
            time.sleep(0.5)
        return r

    def post(self, path: str, data=None, **kw) -> httpx.Response:
        token = self.http.cookies.get("csrftoken")
        headers = {"X-CSRFToken": token, **kw.pop("headers", {})}
        return self.request("POST", path, data=data or {}, headers=headers, **kw)

    def login(self, username: str) -> None:
        self.http.cookies.clear()
        self.assertEqual(self.request("GET", "/auth/login/").status_code, 200)
        r = self.post("/auth/login/", {"login": username, "password": PASSWORD})
        self.assertEqual(r.status_code, 302, r.text[:500])

    def answer(self, key: str, text: str) -> None:
        version = self.sql(
            "SELECT a.version FROM assessments_answer a JOIN catalog_item i ON i.id = a.item_id "
            "WHERE a.assessment_id = %s AND i.key = %s", self.assessment, key,
        )[0][0]  # fmt: skip
        r = self.post(
            f"/assessments/{self.assessment}/items/{key}/save/",
            {f"{key}-status": "done", f"{key}-text": text, f"{key}-version": str(version)},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(r.status_code, 200, r.text[:500])

    def test_a_lockout_and_a_session_hold_on_every_node(self):
        """Ten wrong passwords, shared out between the nodes by nginx, lock the account
        on both; a login made on one node is good on the other."""
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.deployment.port}", timeout=60)
        self.addCleanup(self.http.close)
        self.request("GET", "/auth/login/")
        for attempt in range(1, 11):
            r = self.post("/auth/login/", {"login": "carol", "password": "Wrong-Password-1"})
            self.assertEqual(r.status_code, 429 if attempt == 10 else 200)
        for _ in range(2):  # whichever node answers
            r = self.post("/auth/login/", {"login": "carol", "password": PASSWORD})
            self.assertEqual(r.status_code, 429)
        self.login("bob")
        for _ in range(6):
            r = self.request("GET", "/dashboard/")
            self.assertEqual(r.status_code, 200)
        nodes = {
            name for name in ("node-1", "node-2") if "GET /dashboard/" in self.deployment.log(name)
        }
        self.assertEqual(nodes, {"node-1", "node-2"})

    def test_the_vendor_journey_survives_a_node_and_a_worker_killed(self):
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.deployment.port}", timeout=60)
        self.addCleanup(self.http.close)
        self.login("bob")
        page = self.request("GET", f"/assessments/{self.assessment}/")
        self.assertEqual(page.status_code, 200)
        for key in KEYS[:4]:
            self.answer(key, f"{key} の回答（前半）")

        # One app node and one worker die, without a word.
        self.deployment.kill("node-1")
        self.deployment.kill("worker-1")

        for key in KEYS[4:]:
            self.answer(key, f"{key} の回答（後半）")
        # The Excel form: exported, one answer changed, imported and applied.
        form = self.request("GET", f"/assessments/{self.assessment}/export.xlsx")
        self.assertEqual(form.status_code, 200)
        book = openpyxl.load_workbook(io.BytesIO(form.content))
        sheet = book["確認一覧表"]
        for row in sheet.iter_rows(min_row=5):
            if any(cell.value == "pw-composition" for cell in row):
                row[4].value = "Excelで書き直した回答"
        data = io.BytesIO()
        book.save(data)
        files = {"file": ("回答.xlsx", data.getvalue(), "application/octet-stream")}
        r = self.post(f"/assessments/{self.assessment}/import/", files=files)
        self.assertEqual(r.status_code, 302, r.text[:800])
        r = self.post(r.headers["location"] + "decide/", {"decision": "apply"})
        self.assertEqual(r.status_code, 302)

        # The department runs a scan; the worker left alive takes it.
        self.login("alice")
        r = self.post(f"/scans/systems/{self.system}/run/", {"authorisation": ""})
        self.assertEqual(r.status_code, 302, r.text[:500])
        scan = int(re.search(r"/scans/(\d+)/", r.headers["location"]).group(1))
        for _ in range(120):
            state = self.sql("SELECT state FROM scans_scan WHERE id = %s", scan)[0][0]
            if state in ("done", "failed"):
                break
            time.sleep(0.5)
        self.assertEqual(state, "done", self.deployment.log("worker-2")[-2000:])

        # Nothing lost, nothing twice, the chain whole.
        answers = dict(self.sql(
            "SELECT i.key, a.text FROM assessments_answer a JOIN catalog_item i ON i.id = a.item_id "
            "WHERE a.assessment_id = %s", self.assessment,
        ))  # fmt: skip
        for key in KEYS[1:4]:
            self.assertEqual(answers[key], f"{key} の回答（前半）")
        for key in KEYS[4:]:
            self.assertEqual(answers[key], f"{key} の回答（後半）")
        self.assertEqual(answers["pw-composition"], "Excelで書き直した回答")
        finished = self.sql(
            "SELECT count(*) FROM audit_event WHERE action = 'scan.finish' AND object_id = %s",
            str(scan),
        )[0][0]
        self.assertEqual(finished, 1)
        self.assertIn("監査証跡は正常です", self.deployment.manage("audit_verify"))
