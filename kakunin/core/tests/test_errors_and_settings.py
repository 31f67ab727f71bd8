import json
import os
import stat
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

import django
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from kakunin.inventory.tests.test_vulnerabilities import FEED
from kakunin.systems.models import System
from testsupport.fixtures import BaseTestCase

SETTINGS_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "VAR_DIR", "SITE_URL", "HOST", "PORT",
                      "DATABASE_URL")  # fmt: skip


def start_django(
    code="import django; django.setup()", args=(), **env
) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly this environment (and an
    empty VAR_DIR of its own unless given), under the usual umask (022)."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="kakunin-var-"))
    return subprocess.run(
        [sys.executable, *(args or ["-c", code])],
        umask=0o022,
        env=clean | {"DJANGO_SETTINGS_MODULE": "kakunin.settings"} | env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


class SettingsTestCase(BaseTestCase):
    def test_it_refuses_to_start_without_a_secret_key(self):
        result = start_django(ALLOWED_HOSTS="example.org")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY (or SECRET_KEY_FILE) must be set", result.stderr)

    def test_it_refuses_to_start_without_allowed_hosts(self):
        result = start_django(SECRET_KEY="k" * 50)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ALLOWED_HOSTS must be set", result.stderr)

    def test_after_make_run_commands_work_in_a_plain_shell(self):
        """With nothing set, the settings find the files `make run` made under var/."""
        var = tempfile.mkdtemp(prefix="kakunin-var-")
        (Path(var) / "secret_key").write_text("made-by-make-run-" + "k" * 40 + "\n")
        (Path(var) / "field_keys").write_text(settings.FIELD_ENCRYPTION_KEYS.split(",")[0] + "\n")
        code = ("import django; django.setup(); from django.conf import settings as s; "
                "from django.core.management import call_command; call_command('migrate', verbosity=0); "
                "call_command('account_review'); print(s.ALLOWED_HOSTS, s.SITE_URL)")  # fmt: skip
        result = start_django(code, VAR_DIR=var, FIELD_ENCRYPTION_KEYS="")
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertIn("['127.0.0.1', 'localhost'] http://127.0.0.1:8000", result.stdout)
        moved = start_django(
            code, VAR_DIR=var, FIELD_ENCRYPTION_KEYS="", PORT="8101", HOST="0.0.0.0"
        )
        self.assertIn("http://0.0.0.0:8101", moved.stdout)
        self.assertIn("'0.0.0.0'", moved.stdout)

    def test_mail_queued_by_a_command_in_a_plain_shell_links_where_make_run_serves(self):
        """Issue 23.4: `make run PORT=8311` serves on 8311; a command run afterwards in a
        plain shell (import_vulnerabilities here; the reminders alike) links there."""
        var = tempfile.mkdtemp(prefix="kakunin-var-")
        served = subprocess.run(
            ["make", "--no-print-directory", "served", f"VAR_DIR={var}", "PORT=8311"],
            cwd=settings.BASE_DIR, capture_output=True, text=True, check=False,
            env={k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES},
        )  # fmt: skip
        self.assertEqual(served.returncode, 0, served.stderr)
        (Path(var) / "secret_key").write_text("made-by-make-run-" + "k" * 40 + "\n")
        feed = Path(var) / "nvdcve-2.0-modified.json"
        feed.write_text(json.dumps(FEED), encoding="utf-8")
        code = (
            "import django; django.setup()\n"
            "from types import SimpleNamespace\n"
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n"
            "from testsupport.fixtures import create_world\n"
            "from django_scopes.state import state; state.set({'_enabled': False})\n"
            "from kakunin.inventory.models import Component\n"
            "from kakunin.notifications.models import OutgoingMail\n"
            "world = SimpleNamespace(); create_world(world)\n"
            "Component.objects.create(system=world.system, kind='library', product='openssl',"
            " version='3.0.13', cpe='cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*')\n"
            f"call_command('import_vulnerabilities', {str(feed)!r})\n"
            "print('\\n'.join(m.body for m in OutgoingMail.objects.all()))\n"
        )
        result = start_django(
            code, VAR_DIR=var, FIELD_ENCRYPTION_KEYS=settings.FIELD_ENCRYPTION_KEYS
        )
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertIn("http://127.0.0.1:8311/", result.stdout)
        self.assertNotIn(":8000", result.stdout)

    def test_site_url_follows_port_and_host_unless_set(self):
        code = "import django; django.setup(); from django.conf import settings as s; print(s.SITE_URL)"
        ours = {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "example.org"}
        self.assertEqual(
            start_django(code, PORT="8101", **ours).stdout.strip(), "http://127.0.0.1:8101"
        )
        explicit = start_django(code, PORT="8101", SITE_URL="https://kakunin.example.lg.jp", **ours)
        self.assertEqual(explicit.stdout.strip(), "https://kakunin.example.lg.jp")

    def test_a_server_process_freezes_what_it_loaded_at_start(self):
        """kakunin/wsgi.py (gunicorn's entry): the garbage collector's full passes skip
        Django and the apps, loaded once for the life of the process."""
        code = "import gc, kakunin.wsgi; print(gc.get_freeze_count())"
        result = start_django(code, SECRET_KEY="k" * 50, ALLOWED_HOSTS="example.org")
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertGreater(int(result.stdout), 10_000)

    def test_it_starts_with_both_and_reads_the_key_from_a_file(self):
        key_file = settings.VAR_DIR / "test-secret-key"
        key_file.parent.mkdir(exist_ok=True)
        key_file.write_text("from-a-file\n")
        self.addCleanup(key_file.unlink)
        result = start_django(SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="example.org")
        self.assertEqual(result.returncode, 0, result.stderr)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class PrivateFilesTestCase(BaseTestCase):
    """Issue 23.14: under `make run` the nobody user read the live SQLite database, the
    key files and the backups. VAR_DIR is 0700 and its files 0600, and every start
    (gunicorn, each manage.py command, the job worker) refuses files others can open."""

    SERVER = {"SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "example.org"}

    def test_a_fresh_start_makes_var_and_its_databases_private_under_the_usual_umask(self):
        var = Path(tempfile.mkdtemp(prefix="kakunin-var-")) / "var"
        result = start_django("import kakunin.wsgi", VAR_DIR=str(var), **self.SERVER)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertEqual(mode(var), 0o700)
        self.assertEqual(mode(var / "kakunin.sqlite3"), 0o600)
        self.assertEqual(mode(var / "huey.sqlite3"), 0o600)

    def test_a_server_or_command_refuses_to_start_when_others_can_read_its_files(self):
        var = Path(tempfile.mkdtemp(prefix="kakunin-var-"))
        database = var / "kakunin.sqlite3"
        database.write_bytes(b"")
        database.chmod(0o644)
        served = start_django("import kakunin.wsgi", VAR_DIR=str(var), **self.SERVER)
        self.assertNotEqual(served.returncode, 0)
        self.assertIn("Other users can open Kakunin's private files", served.stderr)
        self.assertIn(f"{database} (644)", served.stderr)
        self.assertIn("chmod -R go-rwx", served.stderr)
        command = start_django(args=["manage.py", "check"], VAR_DIR=str(var), **self.SERVER)
        self.assertNotEqual(command.returncode, 0)
        self.assertIn("kakunin.E003", command.stderr)
        database.chmod(0o600)
        var.chmod(0o755)
        self.assertIn(
            "kakunin.E003",
            start_django(args=["manage.py", "check"], VAR_DIR=str(var), **self.SERVER).stderr,
        )
        var.chmod(0o700)
        fixed = start_django(args=["manage.py", "check"], VAR_DIR=str(var), **self.SERVER)
        self.assertEqual(fixed.returncode, 0, fixed.stderr[-2000:])

    def test_a_key_file_named_outside_var_is_checked_too(self):
        key = Path(tempfile.mkdtemp(prefix="kakunin-etc-")) / "secret_key"
        key.write_text("k" * 50 + "\n")
        key.chmod(0o644)
        env = {"SECRET_KEY_FILE": str(key), "ALLOWED_HOSTS": "example.org"}
        self.assertIn(f"{key} (644)", start_django("import kakunin.wsgi", **env).stderr)
        key.chmod(0o640)  # root:kakunin 640, as the README's deployment has it
        result = start_django("import kakunin.wsgi", **env)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])

    def test_make_run_makes_an_open_var_private(self):
        var = Path(tempfile.mkdtemp(prefix="kakunin-var-"))
        var.chmod(0o755)
        (var / "backups" / "20260101T000000Z").mkdir(parents=True)
        (var / "backups").chmod(0o755)
        for name in ("kakunin.sqlite3", "secret_key", "backups/20260101T000000Z/manifest.json"):
            (var / name).write_bytes(b"x")
            (var / name).chmod(0o644)
        made = subprocess.run(
            ["make", "--no-print-directory", "private", "served", f"VAR_DIR={var}"],
            cwd=settings.BASE_DIR, capture_output=True, text=True, check=False, umask=0o022,
        )  # fmt: skip
        self.assertEqual(made.returncode, 0, made.stderr)
        self.assertEqual(mode(var), 0o700)
        for name in ("kakunin.sqlite3", "secret_key", "backups/20260101T000000Z/manifest.json",
                     "site_url"):  # fmt: skip
            self.assertEqual(mode(var / name), 0o600, name)
        for folder in ("backups", "backups/20260101T000000Z"):
            self.assertEqual(mode(var / folder), 0o700, folder)


@override_settings(ROOT_URLCONF="kakunin.core.tests.urls_boom")
class ErrorPageTestCase(BaseTestCase):
    def assert_no_leak(self, body: str):
        self.assertNotIn("Traceback", body)
        self.assertNotIn(django.get_version(), body)
        self.assertNotIn("Django", body)
        self.assertNotIn("/etc/kakunin", body)

    def test_the_500_page_reveals_nothing(self):
        self.client.raise_request_exception = False
        self.client.force_login(self.alice)
        r = self.client.get("/boom/")
        self.assertEqual(r.status_code, 500)
        self.assertContains(r, "システムで問題が発生しました", status_code=500)
        self.assert_no_leak(r.content.decode())

    def test_the_404_page_is_ours(self):
        self.client.force_login(self.alice)
        r = self.client.get("/systems/99999/")
        self.assertContains(r, "お探しのページは見つからないか", status_code=404)
        self.assert_no_leak(r.content.decode())

    def test_the_403_page_is_ours(self):
        self.client.force_login(self.bob)
        r = self.client.get(f"/systems/{self.system.pk}/edit/")
        self.assertContains(r, "この操作を行う権限がありません", status_code=403)
        self.assert_no_leak(r.content.decode())

    def test_a_post_without_csrf_token_is_refused_with_our_page(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        r = client.post(f"/systems/{self.system.pk}/edit/", {"name": "x"})
        self.assertContains(r, "画面の有効期限が切れたか", status_code=403)
        self.assertEqual(System.objects.get(pk=self.system.pk).name, "子ども発達支援システム")

    def test_a_bad_host_is_a_400_page(self):
        r = self.client.get("/auth/login/", headers={"host": "evil.example"})
        self.assertContains(r, "リクエストの内容を処理できませんでした", status_code=400)


class DemoTestCase(BaseTestCase):
    def test_it_refuses_to_run_with_debug_off(self):
        with self.assertRaisesMessage(CommandError, "DEBUG=1"):
            call_command("demo")
        self.assertFalse(System.objects.filter(is_demo=True).exists())

    @override_settings(DEBUG=True)
    def test_it_creates_clearly_marked_demo_data(self):
        out = StringIO()
        call_command("demo", stdout=out)
        system = System.objects.get(is_demo=True)
        self.assertTrue(system.name.startswith("【デモ】"))
        self.assertEqual(system.assessments.get().answers.count(), 83)
        self.assertIn("demo-vendor", out.getvalue())
        call_command("demo", stdout=out)
        self.assertEqual(System.objects.filter(is_demo=True).count(), 1)
