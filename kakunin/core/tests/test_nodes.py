"""Two app nodes and two job workers on loopback, against one PostgreSQL and one
Redis, with nginx in front (README: Several app nodes). The vendor's journey goes
through nginx while one node and one worker are killed: nothing it did is lost, the
scan runs once, and the audit chain holds."""

import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import openpyxl
import psycopg
import redis
from django.conf import settings
from django.test import SimpleTestCase

from testsupport.servers import Nginx, free_ports, temporary_directory, wait_for

ROOT = Path(settings.BASE_DIR)
PASSWORD = "Nodes-Test-Pass-2026"
POSTGRES = os.environ.get("NODES_POSTGRES", "postgres://postgres:postgres@127.0.0.1:5432")
REDIS = "redis://127.0.0.1:6379"
QUEUE_DB, CACHE_DB = 11, 12
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
system = make_system(ward, [vendor], created_by=alice, members=[bob], serves_web=True)
system.scan_targets.create(url="http://127.0.0.1:9/", created_by=alice)
a = create_assessment(actor=alice, system=system, template=Template.current(), phase="initial")
print(a.pk, system.pk)
"""


class TwoNodesTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = temporary_directory("kakunin-nodes-")
        cls.database = f"kakunin_nodes_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{cls.database}"')
        cls.addClassCleanup(cls.drop_database)
        for number in (QUEUE_DB, CACHE_DB):
            redis.Redis.from_url(f"{REDIS}/{number}").flushdb()
        cls.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SECRET_KEY": "nodes-test-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "FIELD_ENCRYPTION_KEYS": settings.FIELD_ENCRYPTION_KEYS,
            "DATABASE_URL": f"{POSTGRES}/{cls.database}",
            "HUEY_URL": f"{REDIS}/{QUEUE_DB}",
            "CACHE_URL": f"{REDIS}/{CACHE_DB}",
            "HUEY_WORKERS": "2",
            "VAR_DIR": str(cls.tmp),  # the shared directory: evidence, archive
            "SCAN_ALLOW_LOOPBACK": "true",
            "SCAN_BUDGET": "10",
            "EMAIL_URL": "dummymail://",
        }
        cls.manage("migrate", "-v0")
        cls.manage("load_catalog")
        cls.manage("collectstatic", "--no-input", "-v0")
        out = cls.manage("shell", "-c", SETUP)
        cls.assessment, cls.system = (int(n) for n in out.split()[-2:])
        cls.procs: dict[str, subprocess.Popen] = {}
        web_a, web_b, cls.port = free_ports(3)
        for name, port in (("node-a", web_a), ("node-b", web_b)):
            cls.start(name, [str(Path(sys.executable).parent / "gunicorn"), "kakunin.wsgi",
                             "--bind", f"127.0.0.1:{port}", "--workers", "2"])  # fmt: skip
        for name in ("worker-1", "worker-2"):
            cls.start(name, [sys.executable, "manage.py", "run_huey", "--quiet"])
        cls.nginx = Nginx(
            cls.tmp,
            f"""
  upstream kakunin {{ server 127.0.0.1:{web_a} max_fails=1 fail_timeout=30s;
                      server 127.0.0.1:{web_b} max_fails=1 fail_timeout=30s; }}
  server {{
    listen 127.0.0.1:{cls.port};
    client_max_body_size 25m;
    location / {{
      proxy_pass http://kakunin;
      proxy_set_header Host $http_host;
      proxy_next_upstream error timeout http_502;
    }}
  }}""",
        )
        cls.addClassCleanup(cls.nginx.stop)
        for port in (web_a, web_b, cls.port):
            wait_for(port, seconds=60)

    @classmethod
    def manage(cls, *args) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], env=cls.env, cwd=ROOT,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise AssertionError(f"manage.py {args[0]}: {done.stdout}{done.stderr}")
        return done.stdout

    @classmethod
    def start(cls, name: str, command: list[str]) -> None:
        log = open(cls.tmp / f"{name}.log", "w")
        cls.procs[name] = subprocess.Popen(
            command, env=cls.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        cls.addClassCleanup(cls.stop, name)
        cls.addClassCleanup(log.close)

    @classmethod
    def stop(cls, name: str, sig=signal.SIGTERM) -> None:
        proc = cls.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=30)

    @classmethod
    def drop_database(cls):
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{cls.database}" WITH (FORCE)')

    def sql(self, query: str, *params):
        with psycopg.connect(f"{POSTGRES}/{self.database}") as db:
            return db.execute(query, params).fetchall()

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

    def test_the_vendor_journey_survives_a_node_and_a_worker_killed(self):
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)
        self.addCleanup(self.http.close)
        self.login("bob")
        page = self.request("GET", f"/assessments/{self.assessment}/")
        self.assertEqual(page.status_code, 200)
        for key in KEYS[:4]:
            self.answer(key, f"{key} の回答（前半）")

        # One app node and one worker die, without a word.
        self.stop("node-a", signal.SIGKILL)
        self.stop("worker-1", signal.SIGKILL)

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
        self.assertEqual(state, "done", (self.tmp / "worker-2.log").read_text()[-2000:])

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
        self.assertIn("監査証跡は正常です", self.manage("audit_verify"))
