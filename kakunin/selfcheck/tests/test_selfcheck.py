from datetime import timedelta
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kakunin.assessments.models import Assessment, Status
from kakunin.audit.models import Event
from kakunin.monitoring.models import Heartbeat
from kakunin.monitoring.tasks import BACKUP, BACKUP_VERIFY
from kakunin.systems.models import System
from testsupport.fixtures import BaseTestCase
from testsupport.sites import farm_for

WEAK_PASSWORDS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
]  # fmt: skip


class SelfAssessmentTestCase(BaseTestCase):
    def run_command(self, *args) -> str:
        out = StringIO()
        call_command("self_assessment", "--no-scan", "--user", "adam", *args, stdout=out)
        return out.getvalue()

    def kakunin_assessment(self) -> Assessment:
        return System.objects.get(name="Kakunin").assessments.latest("pk")

    def answer(self, key: str):  # of Kakunin's assessment, not the fixture's
        return self.kakunin_assessment().answers.select_related("item").get(item__key=key)


class AnswersTestCase(SelfAssessmentTestCase):
    def test_it_registers_kakunin_and_answers_from_the_settings_in_force(self):
        out = self.run_command()
        self.assertIn("作成: Kakunin の確認票", out)
        system = System.objects.get(name="Kakunin")
        self.assertEqual(system.department, self.security)
        self.assertTrue(system.serves_web and system.uses_servers)
        lockout = self.answer("web-account-lockout")
        self.assertEqual(lockout.status, Status.DONE)
        self.assertIn("10回失敗で30分ロック", lockout.text)
        self.assertEqual(self.answer("pw-composition").status, Status.DONE)
        self.assertIn("12文字・2種類（英小文字・数字）: 拒否", self.answer("pw-composition").text)
        self.assertEqual(self.answer("web-session-destruction").status, Status.DONE)
        self.assertEqual(self.answer("log-retention").status, Status.DONE)
        self.assertIn("730日以上", self.answer("log-retention").text)
        self.assertEqual(self.answer("web-login-message").status, Status.DONE)
        # Key ids only, never a key.
        encryption = self.answer("web-data-encryption")
        self.assertIn("使用中の鍵ID test1（保持している鍵 2 本）", encryption.text)
        self.assertNotIn("MDEy", encryption.text)
        # The ward's own operations: 要確認 with what to check, no status, not claimed.
        physical = self.answer("server-physical-security")
        self.assertEqual(physical.status, "")
        self.assertTrue(physical.text.startswith("【要確認】"))
        # The ward's items keep 区で対応; the profile decides what applies.
        self.assertEqual(self.answer("terminal-physical-lock").status, Status.WARD)
        self.assertEqual(self.answer("cloud-support").status, "")
        self.assertEqual(self.answer("cloud-support").text, "")
        event = Event.objects.get(action="self_assessment.run")
        self.assertEqual(event.actor, self.adam)
        self.assertEqual(event.changes["readings"][1]["45"], "done")

    def test_a_weaker_setting_is_answered_as_it_is(self):
        with override_settings(
            LOCKOUT_FAILURES=20,
            AXES_COOLOFF_TIME=timedelta(minutes=5),
            AUTH_PASSWORD_VALIDATORS=WEAK_PASSWORDS,
            SESSION_COOKIE_AGE=4 * 60 * 60,
            ADMIN_ALLOWED_NETWORKS=["0.0.0.0/0"],
            PASSWORD_MAX_AGE_DAYS=365,
        ):
            self.run_command()
        lockout = self.answer("web-account-lockout")
        self.assertEqual(lockout.status, Status.NOT_DONE)
        self.assertIn("20回失敗で5分ロック", lockout.text)
        self.assertEqual(self.answer("pw-composition").status, Status.NOT_DONE)
        self.assertIn("8文字・3種類: 受け付ける", self.answer("pw-composition").text)
        self.assertEqual(self.answer("web-password-rules").status, Status.NOT_DONE)
        self.assertEqual(self.answer("web-session-destruction").status, Status.NOT_DONE)
        self.assertIn("無操作240分", self.answer("web-session-destruction").text)
        admin = self.answer("web-admin-interface")
        self.assertEqual(admin.status, Status.NOT_DONE)
        self.assertIn("0.0.0.0/0 はすべての接続元を許します", admin.text)
        self.assertEqual(self.answer("pw-rotation").status, Status.NOT_DONE)

    def test_backups_are_answered_from_the_last_runs(self):
        self.run_command()
        self.assertEqual(self.answer("backup-frequency").status, Status.NOT_DONE)
        self.assertIn("まだ実行されていません", self.answer("backup-frequency").text)
        now = timezone.now()
        Heartbeat.objects.create(name=BACKUP, at=now, ok=True, detail={"generation": "g1"})
        Heartbeat.objects.create(name=BACKUP_VERIFY, at=now - timedelta(days=5), ok=True)
        with override_settings(BACKUP_OFFSITE_DIR="/mnt/offsite"):
            self.run_command()
        self.assertEqual(self.answer("backup-frequency").status, Status.DONE)
        self.assertIn("世代 g1", self.answer("backup-frequency").text)
        # A verification five days old is not a daily one.
        self.assertEqual(self.answer("backup-recovery").status, Status.NOT_DONE)
        # Whether the share is elsewhere is the ward's to confirm.
        offsite = self.answer("backup-offsite")
        self.assertEqual(offsite.status, "")
        self.assertIn("/mnt/offsite", offsite.text)

    def test_a_demo_or_generic_account_is_named(self):
        from testsupport.fixtures import make_user

        make_user("test01", "vendor", self.alpha)
        self.run_command()
        unneeded = self.answer("web-unneeded-accounts")
        self.assertEqual(unneeded.status, Status.NOT_DONE)
        self.assertIn("test01", unneeded.text)


class LaterRunsTestCase(SelfAssessmentTestCase):
    def test_a_later_run_updates_the_same_assessment_and_only_what_moved(self):
        self.run_command()
        first = self.kakunin_assessment()
        version = self.answer("web-account-lockout").version
        out = self.run_command()
        self.assertIn(f"更新: Kakunin の確認票 #{first.pk}", out)
        self.assertEqual(self.kakunin_assessment(), first)
        self.assertEqual(self.answer("web-account-lockout").version, version)
        with override_settings(LOCKOUT_FAILURES=50):
            self.run_command()
        self.assertEqual(self.answer("web-account-lockout").version, version + 1)

    def test_under_review_it_changes_nothing_and_says_why(self):
        self.run_command()
        Assessment.objects.filter(pk=self.kakunin_assessment().pk).update(state="in_review")
        events = Event.objects.count()
        with self.assertRaisesMessage(CommandError, "審査中（審査中）のため更新できません"):
            self.run_command()
        self.assertEqual(Event.objects.count(), events)

    def test_after_approval_it_starts_a_new_revision(self):
        self.run_command()
        first = self.kakunin_assessment()
        Assessment.objects.filter(pk=first.pk).update(state="approved")
        out = self.run_command()
        self.assertIn("作成:", out)
        second = self.kakunin_assessment()
        self.assertEqual((second.previous, second.revision), (first, 2))

    def test_the_administrator_must_be_named_when_not_one(self):
        with self.assertRaisesMessage(CommandError, "有効な管理者「rita」がいません。"):
            call_command("self_assessment", "--no-scan", "--user", "rita", stdout=StringIO())

    def test_an_unknown_department_is_a_clear_error(self):
        with self.assertRaisesMessage(
            CommandError, "所管課「経理課」が区の部署として登録されていません"
        ):
            call_command(
                "self_assessment", "--no-scan", "--user", "adam", "--department", "経理課",
                stdout=StringIO(),
            )  # fmt: skip
        self.assertFalse(System.objects.filter(name="Kakunin").exists())


class PageTestCase(SelfAssessmentTestCase):
    def test_the_administrator_runs_it_from_the_page(self):
        self.client.force_login(self.adam)
        page = self.client.get(reverse("selfcheck:page")).content.decode()
        self.assertIn("まだ実行されていません。", page)
        # The worker runs at once in tests; SITE_URL (nothing listens there) is
        # scanned and found unreachable, which leaves the scanned items 要確認.
        r = self.client.post(reverse("selfcheck:run"), follow=True)
        self.assertContains(r, "自己診断を開始しました")
        self.assertContains(r, "確認票を開く")
        self.assertEqual(self.answer("web-account-lockout").status, Status.DONE)
        self.assertIn("自己診断の実行", self.client.get(reverse("audit:events")).content.decode())

    def test_under_review_the_page_says_why(self):
        self.run_command()
        Assessment.objects.filter(pk=self.kakunin_assessment().pk).update(state="submitted")
        self.client.force_login(self.adam)
        r = self.client.post(reverse("selfcheck:run"), follow=True)
        self.assertContains(r, "審査中（提出済）のため更新できません")


class ScanTestCase(SelfAssessmentTestCase):
    """TLS and headers come from a real scan of SITE_URL (nginx on loopback)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.farm = farm_for(cls, names=["hardened", "tls10"])

    def scan_as(self, name: str):
        site = self.farm[name]
        with override_settings(
            SITE_URL=site.url, SCAN_CA_BUNDLE=str(self.farm.ca.path), HTTPS=True,
            SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True,
        ):  # fmt: skip
            call_command("self_assessment", "--user", "adam", stdout=StringIO())

    def test_tls_and_headers_from_the_scan(self):
        self.scan_as("hardened")
        for key in ("web-tls-version", "web-certificate", "web-clickjacking"):
            with self.subTest(key=key):
                answer = self.answer(key)
                self.assertEqual(answer.status, Status.DONE, answer.text)
                self.assertIn("自動検査（https://localhost:", answer.text)
        self.scan_as("tls10")
        tls = self.answer("web-tls-version")
        self.assertEqual(tls.status, Status.NOT_DONE, tls.text)
        self.assertIn("不適合", tls.text)
