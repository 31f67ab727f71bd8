"""The README's 復旧手順, step by step, with its commands: an installation with data
is backed up; a new machine (another folder, an empty SQLite database, only the two
kept keys) restores the generation, migrates, checks the audit chain, and serves the
same data. A damaged copy of the generation is refused, naming the file."""

import base64
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase


def keys() -> dict[str, str]:
    return {
        "FIELD_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "BACKUP_KEY": base64.b64encode(os.urandom(32)).decode(),
    }


class RunbookTestCase(SimpleTestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.root = Path(tmp.name)
        self.keys = keys()

    def machine(self, name: str) -> dict[str, str]:
        var = self.root / name
        var.mkdir(exist_ok=True, mode=0o700)  # Kakunin's user's alone (kakunin.E003)
        return {
            "PATH": os.environ["PATH"],
            "HOME": str(var),
            "VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'kakunin.sqlite3'}",
            "SECRET_KEY": f"secret-of-{name}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "HUEY_IMMEDIATE": "1",
            "EMAIL_URL": "dummymail://",
        } | self.keys

    def manage(self, env: dict, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if ok:
            self.assertEqual(done.returncode, 0, f"{args}: {done.stdout}\n{done.stderr}")
        return done

    def counts(self, env: dict) -> dict[str, int]:
        db = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))
        try:
            tables = ("systems_system", "assessments_answer", "audit_event", "accounts_user")
            return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608
        finally:
            db.close()

    def test_a_new_machine_recovers_from_a_generation_and_the_kept_keys(self):
        # The installation in use: data, evidence, an audit trail; then its backup.
        old = self.machine("old")
        self.manage(old, "migrate", "--no-input")
        self.manage(old, "load_catalog")
        self.manage(old | {"DEBUG": "1"}, "demo")
        self.manage(old, "backup")
        generations = sorted((Path(old["VAR_DIR"]) / "backups").iterdir())
        self.assertEqual(len(generations), 1)
        before = self.counts(old)
        self.assertGreater(before["assessments_answer"], 0)

        # Step 3: the generation copied to the new machine; nothing else from the old. The
        # folder's name is the copier's: a generation names itself (issue 23.5).
        new = self.machine("new")
        copy = Path(new["VAR_DIR"]) / "restore" / "from-the-old-server"
        shutil.copytree(generations[0], copy)

        # Step 4: a damaged copy is refused, naming the file, and nothing is written.
        damaged = Path(new["VAR_DIR"]) / "damaged" / generations[0].name
        shutil.copytree(generations[0], damaged)
        with open(damaged / "audit-archive.tar", "r+b") as f:
            f.seek(40)
            f.write(b"\xff\xff")
        refused = self.manage(new, "restore", str(damaged), "--dry-run", ok=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("audit-archive.tar", refused.stderr)
        # A wrong key opens nothing.
        wrong = new | {"BACKUP_KEY": base64.b64encode(os.urandom(32)).decode()}
        refused = self.manage(wrong, "restore", str(copy), ok=False).stderr
        self.assertIn("manifest.json: 別の BACKUP_KEY で暗号化されています", refused)

        # Steps 4–8, as the README says them.
        self.assertIn("変更なし", self.manage(new, "restore", str(copy), "--dry-run").stdout)
        self.manage(new, "restore", str(copy))
        self.manage(new, "migrate", "--no-input")
        self.manage(new, "audit_verify")
        self.manage(new, "backup")
        self.manage(new, "backup", "--verify")

        after = self.counts(new)
        self.assertEqual(after["systems_system"], before["systems_system"])
        self.assertEqual(after["assessments_answer"], before["assessments_answer"])
        # The restore and the new backup add their own audit events, no others.
        self.assertGreater(after["audit_event"], before["audit_event"])
        # A second restore into the now full machine is refused.
        again = self.manage(new, "restore", str(copy), ok=False)
        self.assertIn("空ではありません", again.stderr)
