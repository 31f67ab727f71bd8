"""Issue 23.16: a worker that has just started has already given its proof of life and
read the auth log once, so /healthz and the self-assessment of a Kakunin just installed
see them (the periodic jobs alone wait for the next minute and fifth minute)."""

import base64
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from kakunin.monitoring.tasks import SCAN, WORKER


class WorkerStartTestCase(SimpleTestCase):
    def test_a_started_worker_beats_and_reads_the_auth_log_at_once(self):
        var = Path(tempfile.mkdtemp(prefix="kakunin-worker-"))
        env = {
            "PATH": os.environ["PATH"],
            "VAR_DIR": str(var),
            "SECRET_KEY": "worker-start-" + "k" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "FIELD_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
            "EMAIL_URL": "dummymail://",
        }
        run = {"cwd": settings.BASE_DIR, "env": env, "capture_output": True, "text": True}
        migrated = subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
        self.assertEqual(migrated.returncode, 0, migrated.stderr[-2000:])
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_huey", "--quiet"], cwd=settings.BASE_DIR, env=env
        )
        self.addCleanup(worker.wait, 20)
        self.addCleanup(worker.terminate)
        started, seen = time.time(), set()
        while time.time() - started < 30 and seen != {SCAN, WORKER}:
            time.sleep(0.5)
            db = sqlite3.connect(var / "kakunin.sqlite3")
            try:
                seen = {n for (n,) in db.execute("SELECT name FROM monitoring_heartbeat")}
            finally:
                db.close()
        self.assertEqual(seen, {SCAN, WORKER})
        self.assertLess(time.time() - started, 30)
