"""Issue 23.16: Kakunin installed as the README's *Deployment on Debian* says, on this
machine: PostgreSQL, Redis for the cache and the job queue, a real clamd, gunicorn on
its unix socket with WEB_CONCURRENCY workers, the job worker, nginx with
deploy/nginx/kakunin.conf and a certificate of the ward's CA, the settings of
deploy/kakunin.env.example, a named first administrator, a first backup and its
restore test. Its self-assessment then answers no item 未対応 (nor 一部対応), and every
item left 要確認 says what a person must check.

Only paths, ports and addresses differ from the README (temporary folders, loopback):
every setting replaced here must be in kakunin.env.example, and every nginx line
replaced must be in kakunin.conf (testsupport.servers.deployed_site), so a change to
either breaks this test."""

import os
import re
import shutil
import ssl
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import psycopg
import redis
from django.conf import settings
from django.test import SimpleTestCase

from testsupport.servers import (
    Authority,
    Clamd,
    Nginx,
    deployed_site,
    free_ports,
    temporary_directory,
    wait_for,
    wait_for_socket,
)

ROOT = Path(settings.BASE_DIR)
POSTGRES = os.environ.get("NODES_POSTGRES", "postgres://postgres:postgres@127.0.0.1:5432")
REDIS = os.environ.get("NODES_REDIS", "redis://127.0.0.1:6379")
QUEUE_DB, CACHE_DB = 13, 14  # Redis databases of the machine's Redis, emptied here
ADMIN = ["--username", "yamada.taro", "--email", "yamada@city.example.lg.jp",
         "--full-name", "山田 太郎", "--organisation", "情報政策課"]  # fmt: skip


def example_env() -> dict[str, str]:
    """deploy/kakunin.env.example as KEY -> VALUE (a commented-out KEY counts as there)."""
    found = {}
    for line in (ROOT / "deploy" / "kakunin.env.example").read_text().splitlines():
        match = re.match(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


class DeploymentTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.procs: list[subprocess.Popen] = []
        cls.tmp = tmp = temporary_directory("kakunin-deploy-")
        cls.addClassCleanup(shutil.rmtree, tmp, True)
        # Step 2: the private folders (0700), the static files apart, the off-site mount.
        for folder in ("var", "backups", "offsite", "etc", "ssl", "run"):
            (tmp / folder).mkdir(mode=0o700)
        (tmp / "www").mkdir(mode=0o755)
        cls.database = f"kakunin_deploy_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{cls.database}"')
        cls.addClassCleanup(cls.drop_database)
        for number in (QUEUE_DB, CACHE_DB):
            redis.Redis.from_url(f"{REDIS}/{number}").flushdb()
        cls.clamd = Clamd()
        cls.addClassCleanup(cls.clamd.stop)
        # Step 4: the keys, 0640 as the README leaves them.
        keys = {
            "secret_key": "deploy-" + uuid.uuid4().hex * 2,
            "field_keys": settings.FIELD_ENCRYPTION_KEYS.split(",")[0],
            "backup_key": "NL2Dv8a7Kt1o9sb4S1xQmHnVwZQ2m3WcQj4u2E7yF0g=",
        }
        for name, value in keys.items():
            (tmp / "etc" / name).write_text(value + "\n")
            (tmp / "etc" / name).chmod(0o640)
        # Step 5: the server certificate of the ward's CA (here for 127.0.0.1).
        ca = Authority(tmp / "ssl", name="Ward CA")
        cert, key = ca.issue("site", names=("127.0.0.1",))
        cls.https, http = free_ports(2)
        cls.site = f"https://127.0.0.1:{cls.https}"
        ours = {
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": cls.site,
            "SITE_URL": cls.site,
            "SECRET_KEY_FILE": str(tmp / "etc" / "secret_key"),
            "FIELD_ENCRYPTION_KEYS_FILE": str(tmp / "etc" / "field_keys"),
            "BACKUP_KEY_FILE": str(tmp / "etc" / "backup_key"),
            "BACKUP_DIR": str(tmp / "backups"),
            "BACKUP_OFFSITE_DIR": str(tmp / "offsite"),
            "DATABASE_URL": f"{POSTGRES}/{cls.database}",
            "VAR_DIR": str(tmp / "var"),
            "STATIC_ROOT": str(tmp / "www" / "static"),
            "ADMIN_ALLOWED_NETWORKS": "127.0.0.0/8",
            "EMAIL_URL": "dummymail://",
            "CACHE_URL": f"{REDIS}/{CACHE_DB}",
            "HUEY_URL": f"{REDIS}/{QUEUE_DB}",
            "CLAMAV_SOCKET": str(cls.clamd.socket),
            "SCAN_CA_BUNDLE": str(ca.path),
        }
        example = example_env()
        missing = sorted(set(ours) - set(example))
        assert not missing, f"deploy/kakunin.env.example no longer has {missing}"
        cls.env = (
            example
            | ours
            | {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                # Only for the test: SITE_URL is on loopback here, an LGWAN address in a ward.
                "SCAN_ALLOW_LOOPBACK": "true",
                # The attack run's limit (issue 23.11), to count against.
                "API_RATE": "30/min",
            }
        )
        # Step 6: the database, the checklist, a named administrator, the static files.
        cls.manage("migrate", "--no-input", "-v0")
        cls.manage("load_catalog")
        cls.manage("ensure_admin", *ADMIN)
        cls.manage("collectstatic", "--no-input", "-v0")
        # Step 7: gunicorn on its socket, the job worker, nginx.
        cls.start([str(Path(sys.executable).parent / "gunicorn"), "kakunin.wsgi",
                   "--bind", f"unix:{tmp}/run/gunicorn.sock"])  # fmt: skip
        cls.start([sys.executable, "manage.py", "run_huey", "--quiet"])
        site = deployed_site(
            socket=tmp / "run" / "gunicorn.sock", cert=cert, key=key, static=tmp / "www" / "static",
            http=http, https=cls.https, server_name="127.0.0.1", redirect_port=True,
        )  # fmt: skip
        cls.nginx = Nginx(tmp / "run", site)
        cls.addClassCleanup(cls.nginx.stop)
        wait_for_socket(tmp / "run" / "gunicorn.sock")
        for port in (cls.https, http):
            wait_for(port)
        # Step 8: a first backup and its restore test, the checks, the self-assessment.
        cls.manage("backup")
        cls.manage("backup", "--verify")
        cls.checked = cls.manage("check", "--deploy")
        cls.assessed = cls.manage("self_assessment")

    @classmethod
    def manage(cls, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], env=cls.env, cwd=ROOT,
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    @classmethod
    def start(cls, command: list[str]) -> None:
        proc = subprocess.Popen(command, env=cls.env | {"WEB_CONCURRENCY": "3"}, cwd=ROOT)
        cls.procs.append(proc)
        cls.addClassCleanup(proc.wait, 20)
        cls.addClassCleanup(proc.terminate)

    @classmethod
    def drop_database(cls):
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{cls.database}" WITH (FORCE)')

    def readings(self) -> dict[int, tuple[str, str]]:
        """Item number -> (what the last self-assessment read, the answer it wrote)."""
        with psycopg.connect(self.env["DATABASE_URL"]) as db:
            (changes,) = db.execute(
                "SELECT changes FROM audit_event WHERE action = 'self_assessment.run' "
                "ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            texts = dict(
                db.execute(
                    "SELECT i.number, a.text FROM assessments_answer a "
                    "JOIN catalog_item i ON i.id = a.item_id "
                    "JOIN assessments_assessment s ON s.id = a.assessment_id "
                    "JOIN systems_system y ON y.id = s.system_id WHERE y.name = 'Kakunin'"
                ).fetchall()
            )
        return {int(n): (label, texts[int(n)]) for n, label in changes["readings"][1].items()}

    def test_the_self_assessment_answers_no_item_not_done(self):
        readings = self.readings()
        self.assertGreater(len(readings), 50)
        report = "\n".join(
            f"No.{n} {label}: {text}" for n, (label, text) in sorted(readings.items())
        )
        for number, (label, text) in sorted(readings.items()):
            with self.subTest(item=number):
                self.assertIn(label, ("done", "check"), f"No.{number} {label}: {text}")
                if label == "check":
                    # 要確認 names what a person must check, as an instruction.
                    first = text.splitlines()[0]
                    self.assertTrue(first.startswith("【要確認】"), first)
                    self.assertRegex(first, r"ください", first)
        self.assertNotIn("未対応", self.assessed, report)
        self.assertNotIn("一部対応", self.assessed, report)
        # What the machine saw it reads itself: the backups, the worker, the certificate.
        self.assertEqual(readings[20][0], "done", readings[20][1])  # the nightly backup
        self.assertEqual(readings[21][0], "done", readings[21][1])  # the restore test
        self.assertIn("適合", readings[60][1])  # the certificate, against the ward's CA
        self.assertIn("適合", readings[61][1])  # TLS 1.2 and 1.3 only

    def test_check_deploy_finds_no_error(self):
        self.assertNotIn("ERROR", self.checked)
        self.assertNotIn("kakunin.E", self.checked)

    def test_a_limit_holds_across_the_web_workers(self):
        """Issue 23.11: with a cache per process, 90 of 100 API requests passed a limit of
        30 a minute through 3 workers. The deployment's Redis counts them together."""
        secret = self.manage(
            "shell", "-c",
            "from kakunin.accounts.models import User; from kakunin.api.actions import issue_token; "
            "u = User.objects.get(username='yamada.taro'); "
            "print(issue_token(actor=u, user=u, name='attack', days=1, read_only=True, "
            "with_totp=True)[1])",
        ).split()[-1]  # fmt: skip
        codes = []
        for _ in range(100):  # a new connection each time, as the attack run did
            with httpx.Client(verify=self.ca()) as client:
                r = client.get(
                    f"{self.site}/api/v1/systems/", headers={"Authorization": f"Bearer {secret}"}
                )
                codes.append(r.status_code)
        self.assertEqual(codes.count(200), 30, codes)
        self.assertEqual(codes.count(429), 70, codes)

    def ca(self):
        return ssl.create_default_context(cafile=str(self.tmp / "ssl" / "ca.pem"))

    def test_pages_and_static_files_come_through_nginx(self):
        with httpx.Client(verify=self.ca()) as client:
            login = client.get(f"{self.site}/auth/login/")
            self.assertEqual(login.status_code, 200)
            css = client.get(f"{self.site}/static/css/kakunin.css")
            self.assertEqual(css.status_code, 200)
            self.assertIn("text/css", css.headers["content-type"])
            self.assertEqual(client.get(f"{self.site}/healthz").status_code, 200)
