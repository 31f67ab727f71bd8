import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from kakunin.assessments.actions import create_assessment
from kakunin.assessments.models import Assessment
from kakunin.monitoring.tasks import monitor_auth_log
from kakunin.notifications.actions import notify
from testsupport.fixtures import BaseTestCase, make_scan


class LanguageTestCase(BaseTestCase):
    def test_pages_are_japanese_by_default(self):
        self.client.force_login(self.alice)
        r = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertContains(r, '<html lang="ja">')
        self.assertContains(r, "Excel様式をダウンロード")
        self.assertContains(r, "対応状況")

    def test_english_through_django_i18n(self):
        self.client.force_login(self.alice)
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        r = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertContains(r, '<html lang="en">')
        self.assertContains(r, "Download the Excel form")
        self.assertContains(r, "Status")
        self.assertContains(r, "Applies to every system")
        # The ward's own checklist text stays as the ward wrote it.
        self.assertContains(r, "IDの共有の禁止")

    def test_the_login_page_switches_language_without_a_login(self):
        r = self.client.post(reverse("set_language"), {"language": "en", "next": "/auth/login/"})
        self.assertEqual(r.status_code, 302)
        r = self.client.get(reverse("account_login"))
        self.assertContains(r, "User ID or e-mail address")


class EnglishEverywhereTestCase(BaseTestCase):
    """What stayed Japanese in English: alerts, scan findings, notifications, states,
    phases, the audit trail."""

    def setUp(self):
        super().setUp()
        self.rita.language = "en"
        self.rita.save()
        self.client.force_login(self.rita)

    def test_states_and_phases(self):
        yearly = create_assessment(actor=self.alice, system=self.system, template=self.template,
                                   phase="operation", fiscal_year=2027)  # fmt: skip
        Assessment.objects.filter(pk=yearly.pk).update(state="approved")
        r = self.client.get(reverse("assessments:list"))
        self.assertContains(r, "In operation (FY2027)")
        self.assertContains(r, "Approved")
        self.assertNotContains(r, "年度")

    def test_alerts_findings_and_notifications(self):
        for _ in range(10):
            self.client_class().post(
                reverse("account_login"), {"login": "alice", "password": "Wrong-Password-1"}
            )
        monitor_auth_log()
        r = self.client.get(reverse("monitoring:alerts"))
        self.assertContains(r, "Failures from address 127.0.0.1 locked 1 account(s): Alice (alice)")
        scan = make_scan(self.system, {"tls-version": "fail"})
        scan.results.update(findings=[{"message": [["TLS 1.2 / 1.3 で接続できません。", {}]]}])
        r = self.client.get(reverse("scans:detail", args=[scan.pk]))
        self.assertContains(r, "No connection with TLS 1.2 / 1.3.")
        # Told in Japanese; read after switching to English.
        notify(
            [self.alice], "approved", {"actor": "Rita", "assessment": self.assessment, "url": "/"}
        )
        self.alice.language = "en"
        self.alice.save()
        self.client.force_login(self.alice)
        r = self.client.get(reverse("notifications:index"))
        self.assertContains(r, "Approved")
        self.assertNotContains(r, "承認")
        # The assessment is named in English too (its phase), not as it was named then.
        self.assertContains(r, f"Approved: {self.system.name} / Before go-live")
        self.assertNotContains(r, "新規構築時")


class CatalogFilesTestCase(BaseTestCase):
    PO = Path(settings.BASE_DIR) / "kakunin" / "locale" / "en" / "LC_MESSAGES" / "django.po"

    def test_every_message_has_an_english_translation(self):
        text = self.PO.read_text(encoding="utf-8")
        empty = re.findall(r'msgid "(.+)"\nmsgstr ""\n\n', text)
        self.assertEqual(empty, [])
        # Empty, and not a long one wrapped onto the lines after.
        self.assertEqual(re.findall(r'msgstr\[\d\] ""\n(?!")', text), [])
        self.assertNotIn("#, fuzzy", text)

    def test_every_message_in_the_sources_is_in_the_catalogue_and_translated(self):
        """The catalogue checked above may lag the code: alerts, scan findings and
        notifications once stayed Japanese in English. Extract the messages again, as
        `make messages` does, in a throwaway copy of the source tree (makemessages
        writes into every locale folder it finds), and ask gettext what is left."""
        root = Path(settings.BASE_DIR)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "src"
            skip = shutil.ignore_patterns(".venv", "var", "test-artifacts", ".git", "__pycache__")
            shutil.copytree(root, copy, ignore=skip)
            env = {"PATH": os.environ["PATH"], "DEBUG": "1", "VAR_DIR": str(Path(tmp) / "var")}
            subprocess.run(
                [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v0"],
                cwd=copy, env=env, check=True,
            )  # fmt: skip
            po = str(copy / self.PO.relative_to(root))
            missing = []
            for flag in ("--untranslated", "--only-fuzzy"):
                out = subprocess.run(
                    ["msgattrib", flag, "--no-wrap", po], capture_output=True, text=True, check=True
                ).stdout
                missing += re.findall(r'^msgid "(.+)"$', out, re.M)
        self.assertEqual(missing, [], "messages without an English translation")

    def test_the_jinja_templates_translate_literals_only(self):
        """`make messages` reads jinja2/ as Django templates: it finds _("...") and
        nothing more elaborate (a message with values would stay Japanese)."""
        calls = []
        for path in (Path(settings.BASE_DIR) / "jinja2").rglob("*.html"):
            calls += re.findall(r"\b_\([^)]+\)", path.read_text(encoding="utf-8"))
        self.assertTrue(calls)
        odd = [c for c in calls if not re.fullmatch(r"""_\((\"[^\"]*\"|'[^']*')\)""", c)]
        self.assertEqual(odd, [])
        # ...and only at the start of a {{ }}: one inside an expression (`x if y else
        # _("…")`) is not found, and stayed Japanese in English (区（初期値）).
        catalogue = self.PO.read_text(encoding="utf-8")
        unfound = [c for c in calls if f'msgid "{c[3:-2]}"' not in catalogue]
        self.assertEqual(unfound, [], "Jinja2 literals make messages does not find")

    def test_the_committed_mo_file_is_compiled_from_the_po_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            mo = Path(tmp) / "django.mo"
            subprocess.run(["msgfmt", "-o", str(mo), str(self.PO)], check=True)
            self.assertEqual(mo.read_bytes(), self.PO.with_suffix(".mo").read_bytes())
