import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock
from urllib.parse import quote

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kakunin.accounts.models import User
from kakunin.audit.models import Event
from testsupport.fixtures import PASSWORD, BaseTestCase, make_user, totp_code


class MfaTestCase(BaseTestCase):
    def test_an_administrator_must_enrol_totp_before_anything_else(self):
        newbie = make_user("kenji", "reviewer", self.security)
        self.client.post(reverse("account_login"), {"login": "kenji", "password": PASSWORD})
        r = self.client.get(reverse("systems:index"))
        self.assertRedirects(r, reverse("mfa_activate_totp"), fetch_redirect_response=False)
        # The password typed a moment ago is proof enough: no second password prompt.
        page = self.client.get(reverse("mfa_activate_totp"))
        self.assertEqual(page.status_code, 200)
        secret = self.client.session["mfa.totp.secret"]
        with self.captureOnCommitCallbacks(execute=True):  # allauth signals after commit
            r = self.client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(Authenticator.objects.filter(user=newbie, type="totp").exists())
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 200)
        self.assertTrue(Event.objects.filter(action="mfa.enrolled", actor=newbie).exists())

    def test_the_code_typed_to_enrol_does_not_open_a_login(self):
        """Issue 23.10: the enrolment's code was accepted again at the next login within
        the same 30 seconds."""
        make_user("kenji", "reviewer", self.security)
        self.client.post(reverse("account_login"), {"login": "kenji", "password": PASSWORD})
        self.client.get(reverse("mfa_activate_totp"))
        code = totp_code(self.client.session["mfa.totp.secret"])
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("mfa_activate_totp"), {"code": code})
        self.client.post(reverse("account_logout"))
        self.client.post(reverse("account_login"), {"login": "kenji", "password": PASSWORD})
        r = self.client.post(reverse("mfa_authenticate"), {"code": code})
        self.assertEqual(r.status_code, 200)  # refused, the form again
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 302)

    def test_adding_an_authenticator_later_asks_for_the_password_again(self):
        """Outside the forced enrolment, allauth's re-authentication stays (a borrowed
        session must not add its own authenticator)."""
        self.client.force_login(self.alice)
        page = self.client.get(reverse("mfa_activate_totp"), follow=True)
        self.assertEqual(page.request["PATH_INFO"], reverse("account_reauthenticate"))

    def test_reloading_the_enrolment_page_keeps_the_secret(self):
        """A code from the first QR code was refused after a reload (a new secret each time)."""
        self.client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
        self.client.post(
            reverse("account_reauthenticate"), {"password": PASSWORD}
        )  # alice enrols of her own accord
        first = self.client.get(reverse("mfa_activate_totp"))
        self.assertEqual(first.status_code, 200)
        secret = self.client.session["mfa.totp.secret"]
        self.client.get(reverse("mfa_activate_totp"))
        self.client.get(reverse("mfa_activate_totp"))
        self.assertEqual(self.client.session["mfa.totp.secret"], secret)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(Authenticator.objects.filter(user=self.alice, type="totp").exists())

    def test_after_the_forced_password_change_totp_comes_without_another_password(self):
        fresh = make_user("ken", "admin", self.security, must_change_password=True)
        self.client.post(reverse("account_login"), {"login": "ken", "password": PASSWORD})
        page = self.client.get(reverse("account_change_password"))
        self.assertContains(page, "はじめてのログインです")
        # However long the person took to choose a password (allauth's window is 5 minutes).
        session = self.client.session
        for record in session["account_authentication_methods"]:
            record["at"] -= 3600
        session.save()
        new = "Fresh-Admin-Pass-77"
        r = self.client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
        self.assertEqual(r.status_code, 302)
        r = self.client.get(reverse("systems:index"))
        self.assertRedirects(r, reverse("mfa_activate_totp"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("mfa_activate_totp")).status_code, 200)
        fresh.refresh_from_db()
        self.assertFalse(fresh.must_change_password)

    def test_after_a_forced_change_the_person_goes_on_where_they_were_going(self):
        """Issue 23.10: the change form was shown again after the forced change."""
        make_user("first", "department", self.kodomo, must_change_password=True)
        self.client.post(reverse("account_login"), {"login": "first", "password": PASSWORD})
        going = reverse("systems:detail", args=[self.system.pk])
        r = self.client.get(going)
        self.assertRedirects(
            r, reverse("account_change_password") + f"?next={quote(going, safe='')}",
            fetch_redirect_response=False,
        )  # fmt: skip
        page = self.client.get(r["Location"])
        self.assertContains(page, f'name="next" value="{going}"')
        new = "Fresh-Dept-Pass-88"
        r = self.client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new, "next": going},
        )
        self.assertRedirects(r, going, fetch_redirect_response=False)
        self.assertEqual(self.client.get(going).status_code, 200)
        # Changed of one's own accord, with nowhere to go back to: the first page.
        r = self.client.post(
            reverse("account_change_password"),
            {"oldpassword": new, "password1": "Other-Dept-Pass-99", "password2": "Other-Dept-Pass-99"},
        )  # fmt: skip
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)

    def test_the_forced_change_page_says_why(self):
        for user, why in [
            (make_user("first", "auditor", must_change_password=True), "はじめてのログインです"),
            (make_user("reset", "auditor", must_change_password=True,
                       password_changed_at=timezone.now()), "管理者がパスワードを再設定しました"),
            (make_user("old", "auditor", password_changed_at=timezone.now() - timedelta(days=91)),
             "パスワードの有効期限（90日）が切れました"),
        ]:  # fmt: skip
            with self.subTest(user=user.username):
                self.client.force_login(user)
                page = self.client.get(reverse("account_change_password"))
                self.assertContains(page, why)

    def test_the_totp_secret_is_stored_encrypted(self):
        data = Authenticator.objects.get(user=self.rita, type="totp").data
        self.assertTrue(data["secret"].startswith("enc1:"))
        self.assertNotIn(self.rita_totp, str(data))

    def test_login_asks_for_the_code_and_refuses_a_wrong_one(self):
        r = self.client.post(reverse("account_login"), {"login": "rita", "password": PASSWORD})
        self.assertRedirects(r, reverse("mfa_authenticate"), fetch_redirect_response=False)
        r = self.client.post(reverse("mfa_authenticate"), {"code": "000000"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 302)
        r = self.client.post(reverse("mfa_authenticate"), {"code": totp_code(self.rita_totp)})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 200)

    def test_totp_is_optional_for_other_roles(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 200)

    @override_settings(MFA_REQUIRED_FOR_ALL=True)
    def test_a_setting_requires_it_for_everyone(self):
        self.client.force_login(self.alice)
        self.assertRedirects(
            self.client.get(reverse("systems:index")),
            reverse("mfa_activate_totp"),
            fetch_redirect_response=False,
        )

    def test_a_role_that_needs_totp_cannot_switch_it_off(self):
        self.client.force_login(self.rita)
        r = self.client.post(reverse("mfa_deactivate_totp"))
        self.assertTrue(Authenticator.objects.filter(user=self.rita, type="totp").exists())
        self.assertNotEqual(r.status_code, 500)


class AdminNetworkTestCase(BaseTestCase):
    def test_user_management_answers_only_from_the_allowed_networks(self):
        self.client.force_login(self.adam)
        for url in [
            reverse("accounts:users"),
            reverse("accounts:review"),
            reverse("accounts:lockouts"),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url, REMOTE_ADDR="127.0.0.1").status_code, 200)
                self.assertEqual(self.client.get(url, REMOTE_ADDR="198.51.100.20").status_code, 404)

    @override_settings(ADMIN_ALLOWED_NETWORKS=["10.1.2.0/24"])
    def test_the_allow_list_is_a_setting(self):
        self.client.force_login(self.adam)
        self.assertEqual(
            self.client.get(reverse("accounts:users"), REMOTE_ADDR="10.1.2.3").status_code, 200
        )
        self.assertEqual(
            self.client.get(reverse("accounts:users"), REMOTE_ADDR="127.0.0.1").status_code, 404
        )

    def test_there_is_no_django_admin(self):
        self.client.force_login(self.adam)
        self.assertEqual(self.client.get("/admin/").status_code, 404)

    def test_administrators_and_users_are_separate_roles(self):
        self.client.force_login(self.adam)
        r = self.client.post(
            reverse("assessments:save_item", args=[self.assessment.pk, "pw-composition"]),
            {"pw-composition-status": "done", "pw-composition-version": "0"},
        )
        self.assertEqual(r.status_code, 403)
        self.client.force_login(self.rita)
        self.assertEqual(self.client.get(reverse("accounts:users")).status_code, 404)


class AccountReviewTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()

        User.objects.filter(pk=self.charlie.pk).update(
            last_login=timezone.now() - timedelta(days=120)
        )
        User.objects.filter(pk=self.dave.pk).update(
            date_joined=timezone.now() - timedelta(days=100), last_login=None
        )
        self.demo = make_user("demo-vendor", "vendor", self.alpha, is_demo=True)
        self.tester = make_user("test01", "department", self.kodomo)

    def test_it_lists_unused_changed_demo_and_test_accounts(self):
        self.client.force_login(self.adam)
        data = {
            "username": "bob",
            "full_name": "Bob",
            "email": "bob@example.org",
            "role": "vendor",
            "organisation": self.beta.pk,
        }
        self.client.post(reverse("accounts:user_edit", args=[self.bob.pk]), data)
        r = self.client.get(reverse("accounts:review"))
        findings = {f.user.username: f.reasons for f in r.context["findings"]}
        self.assertIn("charlie", findings)
        self.assertIn("dave", findings)
        self.assertIn("所属またはロールが変わりました", findings["bob"][0])
        self.assertIn("デモ用アカウントです", findings["demo-vendor"])
        self.assertIn("テスト用または汎用のIDです（1人1IDの原則）", findings["test01"])
        self.assertNotIn("alice", findings)

    def test_it_disables_the_chosen_accounts_in_one_step(self):
        self.client.force_login(self.adam)
        r = self.client.post(
            reverse("accounts:review"),
            {"action": "disable", "users": [self.demo.pk, self.tester.pk], "reason": "棚卸し"},
        )
        self.assertRedirects(r, reverse("accounts:review"))
        self.assertFalse(User.objects.get(pk=self.demo.pk).is_active)
        self.assertFalse(User.objects.get(pk=self.tester.pk).is_active)
        self.assertEqual(Event.objects.filter(action="user.disable").count(), 2)

    def test_a_completed_review_clears_the_change_flags(self):
        self.client.force_login(self.adam)
        self.client.post(reverse("accounts:review"), {"action": "complete"})
        self.assertTrue(Event.objects.filter(action="account_review.complete").exists())

    def test_the_command_lists_and_disables(self):
        out = StringIO()
        call_command("account_review", stdout=out)
        self.assertIn("demo-vendor", out.getvalue())
        call_command("account_review", "--disable", stdout=out)
        self.assertFalse(User.objects.get(pk=self.demo.pk).is_active)
        self.assertTrue(User.objects.get(pk=self.alice.pk).is_active)

    def test_generic_ids_cannot_be_issued(self):
        self.client.force_login(self.adam)
        r = self.client.post(
            reverse("accounts:user_create"),
            {
                "username": "guest",
                "full_name": "来客",
                "email": "guest@example.org",
                "role": "auditor",
            },
        )
        self.assertContains(r, "共用・テスト用と紛らわしいIDは発行できません")

    def test_the_phone_number_is_one_line(self):
        """Issue 23.10: it was a ten-row box (the encrypted field's widget)."""
        self.client.force_login(self.adam)
        html = self.client.get(reverse("accounts:user_create")).content.decode()
        self.assertRegex(html, r'<input type="tel" name="phone"')
        self.assertNotIn('<textarea name="phone"', html)

    def test_accounts_are_never_deleted(self):
        with self.assertRaises(PermissionError):
            self.alice.delete()


class DeployCheckTestCase(BaseTestCase):
    def run_check(self, db_path, **settings_env) -> subprocess.CompletedProcess:
        env = {
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": "x" * 60 + "Aa1!" * 5,
            "ALLOWED_HOSTS": "kakunin.example.lg.jp",
            "HTTPS": "1",
            "FIELD_ENCRYPTION_KEYS": settings.FIELD_ENCRYPTION_KEYS,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "VAR_DIR": str(db_path.parent),
            "CACHE_URL": "redis://127.0.0.1:6379/1",
        } | settings_env
        return subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            env=env,
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            check=False,
        )

    def test_check_deploy_is_clean_and_fails_while_demo_accounts_exist(self):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "deploy.sqlite3"
            env_db = f"sqlite:///{db}"
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"],
                env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "DATABASE_URL": env_db, "VAR_DIR": tmp},
                cwd=settings.BASE_DIR,
                check=True,
            )
            clean = self.run_check(db)
            self.assertEqual(clean.returncode, 0, clean.stdout + clean.stderr)
            self.assertIn("no issues", clean.stdout)
            subprocess.run(
                [sys.executable, "manage.py", "shell", "-c",
                 "from testsupport.fixtures import make_user; make_user('demo-x', 'auditor', is_demo=True)"],
                env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "DATABASE_URL": env_db, "VAR_DIR": tmp,
                     "FIELD_ENCRYPTION_KEYS": settings.FIELD_ENCRYPTION_KEYS},
                cwd=settings.BASE_DIR, check=True,
            )  # fmt: skip
            dirty = self.run_check(db)
            self.assertNotEqual(dirty.returncode, 0)
            self.assertIn("kakunin.E001", dirty.stderr + dirty.stdout)

    def test_check_deploy_fails_without_a_cache_all_processes_share(self):
        """Issue 23.11: each of gunicorn's workers kept its own cache, so limits and used
        TOTP codes were counted once per worker."""
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "deploy.sqlite3"
            for cache, workers, fails in (
                ("", "3", True),
                ("locmemcache://", "", True),  # unset: the web's and the job worker's
                ("locmemcache://", "1", False),
                ("redis://127.0.0.1:6379/1", "3", False),
                ("dbcache://kakunin_cache", "3", False),
            ):
                with self.subTest(cache=cache, workers=workers):
                    env = {"CACHE_URL": cache} | ({"WEB_CONCURRENCY": workers} if workers else {})
                    result = self.run_check(db, **env)
                    said = result.stdout + result.stderr
                    self.assertEqual("kakunin.E002" in said, fails, said)


class CreateSuperuserTestCase(BaseTestCase):
    """`createsuperuser --noinput` ended in a traceback (the role constraint)."""

    def run_command(self, *args, env=None):
        out = StringIO()
        with mock.patch.dict(os.environ, env or {}):
            call_command("createsuperuser", *args, stdout=out)
        return out.getvalue()

    def test_it_creates_an_administrator_with_a_one_time_password(self):
        out = self.run_command("--noinput", "--username", "yamada.taro", "--email",
                               "yamada@city.example", "--full-name", "山田 太郎")  # fmt: skip
        user = User.objects.get(username="yamada.taro")
        self.assertEqual(
            (user.role, user.full_name, user.must_change_password), ("admin", "山田 太郎", True)
        )
        password = out.split("one-time password : ")[1].split()[0]
        self.assertTrue(user.check_password(password))
        self.assertTrue(Event.objects.filter(action="user.create", object_id=str(user.pk)).exists())

    def test_the_environment_works_as_with_django(self):
        self.run_command("--noinput", env={"DJANGO_SUPERUSER_USERNAME": "sato.jiro",
                                           "DJANGO_SUPERUSER_EMAIL": "sato@city.example",
                                           "DJANGO_SUPERUSER_FULL_NAME": "佐藤 次郎"})  # fmt: skip
        self.assertTrue(User.objects.filter(username="sato.jiro", role="admin").exists())

    def test_what_is_missing_or_wrong_is_a_message_not_a_traceback(self):
        with self.assertRaisesMessage(CommandError, "ensure_admin"):
            self.run_command("--noinput")
        with self.assertRaisesMessage(CommandError, "共用・テスト用と紛らわしいID"):
            self.run_command("--noinput", "--username", "admin", "--email", "a@city.example",
                             "--full-name", "管理者")  # fmt: skip
        self.assertFalse(User.objects.filter(role="admin").exclude(pk=self.adam.pk).exists())

    def test_the_shell_command_exits_cleanly(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {"PATH": "/usr/bin:/bin", "DEBUG": "1", "VAR_DIR": tmp,
                   "DATABASE_URL": f"sqlite:///{Path(tmp) / 'db.sqlite3'}"}  # fmt: skip
            subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env,
                           cwd=settings.BASE_DIR, check=True)  # fmt: skip
            r = subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput"],
                               env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)  # fmt: skip
            self.assertEqual(r.returncode, 1)
            self.assertNotIn("Traceback", r.stderr)
            self.assertIn("ensure_admin", r.stderr)
