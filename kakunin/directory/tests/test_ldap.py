"""Signing in through a real slapd (LDAPS, a generated certificate), the mover, the
leaver and the disabled account caught by the nightly job, the wrong password, the
server down with the break-glass administrator, and the refusals."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.urls import reverse

from kakunin.accounts.models import Role, User, UserSession
from kakunin.api.actions import issue_token
from kakunin.audit.models import Event
from kakunin.directory.models import DirectoryAccount
from kakunin.directory.tests.base import PASSWORD, DirectoryTestCase
from kakunin.monitoring.models import Alert
from testsupport.fixtures import PASSWORD as LOCAL_PASSWORD
from testsupport.fixtures import totp_code
from testsupport.ldap_server import DISABLED

FAILED = "ユーザIDもしくはパスワードが違います。"


class SignInTestCase(DirectoryTestCase):
    def failure(self, reason: str) -> Event:
        event = Event.objects.filter(action="auth.directory_failed").latest("seq")
        self.assertEqual(event.changes["reason"], reason)
        self.assertEqual(event.municipality_id, self.chiyoda.pk)
        return event

    def test_a_reviewer_signs_in_and_gets_role_department_name_and_address(self):
        r = self.sign_in("tanaka@chiyoda.test")
        # A reviewer needs TOTP on top of the directory here (require_totp): enrolment first.
        r = self.client.get(reverse("home"))
        self.assertRedirects(r, reverse("mfa_activate_totp"), fetch_redirect_response=False)
        tanaka = User.objects.get(username="tanaka@chiyoda.test")
        self.assertEqual(self.signed_in_as(), str(tanaka.pk))
        self.assertEqual(
            (tanaka.role, tanaka.organisation, tanaka.municipality, tanaka.full_name, tanaka.email),
            (Role.REVIEWER, self.security, self.chiyoda, "田中 太郎", "tanaka@city.chiyoda.test"),
        )
        self.assertFalse(tanaka.has_usable_password())  # the directory's password only
        account = tanaka.directory_account
        self.assertEqual(account.state, DirectoryAccount.State.PRESENT)
        self.assertEqual(account.external_id.lower(), self.dn["tanaka"].lower())
        made = Event.objects.get(action="directory.account")
        self.assertEqual(made.changes["role"], [None, "reviewer"])
        self.assertTrue(Event.objects.filter(action="auth.login", actor=tanaka).exists())

    def test_without_totp_required_a_directory_reviewer_goes_straight_in(self):
        self.directory.require_totp = False
        self.directory.save()
        self.sign_in("tanaka@chiyoda.test")
        r = self.client.get(reverse("home"), follow=True)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.redirect_chain, [("/dashboard/", 302)])  # the reviewer's page, no TOTP
        self.assertNotContains(r, "パスワード変更")  # no Kakunin password to change or set
        self.assertEqual(self.client.get("/auth/password/set/").status_code, 404)

    def test_a_mover_follows_the_directory_at_the_next_sign_in(self):
        s = self.slapd
        self.sign_in("suzuki@chiyoda.test")
        suzuki = User.objects.get(username="suzuki@chiyoda.test")
        self.assertEqual((suzuki.role, suzuki.organisation), (Role.DEPARTMENT, self.kodomo))
        self.client.post(reverse("account_logout"))
        try:
            s.set_members("Dept-Kodomo", [self.dn["alice.k"]])
            s.set_members("Dept-Zeimu", [self.dn["suzuki"]])
            self.sign_in("suzuki@chiyoda.test")
        finally:
            s.set_members("Dept-Kodomo", [self.dn["suzuki"], self.dn["alice.k"]])
            s.set_members("Dept-Zeimu", [])
        suzuki.refresh_from_db()
        self.assertEqual(suzuki.organisation, self.zeimu)
        moved = Event.objects.get(action="directory.move")
        self.assertEqual(moved.changes["organisation"], [self.kodomo.pk, self.zeimu.pk])
        # The account review lists the move.
        out = StringIO()
        call_command("account_review", stdout=out)
        self.assertIn("suzuki@chiyoda.test", out.getvalue())
        self.assertIn("ディレクトリ chiyoda.test: 在籍", out.getvalue())

    def test_a_ward_account_made_before_the_directory_is_taken_over_by_its_address(self):
        self.sign_in("alice.k@chiyoda.test")
        self.alice.refresh_from_db()
        self.assertEqual(self.signed_in_as(), str(self.alice.pk))
        self.assertFalse(self.alice.has_usable_password())
        self.assertEqual(self.alice.directory_account.login, "alice.k")
        self.assertTrue(
            Event.objects.filter(action="directory.adopt", object_id=str(self.alice.pk)).exists()
        )

    def test_a_wrong_password_is_a_failed_login_and_locks_the_account(self):
        self.sign_in("tanaka@chiyoda.test")  # the account exists
        self.client.post(reverse("account_logout"))
        r = self.sign_in("tanaka@chiyoda.test", "Wrong-Pw-2026x")
        self.assertContains(r, FAILED)
        event = Event.objects.filter(action="auth.login_failed").latest("seq")
        self.assertEqual(event.changes, {"login": "tanaka@chiyoda.test"})
        self.assertFalse(Event.objects.filter(action="auth.directory_failed").exists())
        for _ in range(self.chiyoda.failures_before_lockout - 1):
            self.sign_in("tanaka@chiyoda.test", "Wrong-Pw-2026x")
        r = self.sign_in("tanaka@chiyoda.test")  # the right password, during the lock
        self.assertIsNone(self.signed_in_as())
        self.assertTrue(Event.objects.filter(action="auth.lockout").exists())

    def test_refusals_are_told_apart_in_the_trail_never_to_the_person(self):
        cases = [
            ("yamada@chiyoda.test", "ambiguous"),
            ("sato@chiyoda.test", "disabled"),
            ("nobody@chiyoda.test", "no_role"),
            ("vendorish@chiyoda.test", "email_taken"),
            ("ghost@chiyoda.test", "not_found"),
            ("double@chiyoda.test", "two_roles"),
            ("nomail@chiyoda.test", "no_email"),
        ]
        before = User.objects.count()
        for login, reason in cases:
            with self.subTest(login):
                r = self.sign_in(login)
                self.assertContains(r, FAILED)
                self.assertIsNone(self.signed_in_as())
                self.assertEqual(self.failure(reason).changes["login"], login)
        self.assertEqual(User.objects.count(), before)  # nobody made
        self.bob.refresh_from_db()
        self.assertEqual((self.bob.role, self.bob.email), (Role.VENDOR, "bob@example.org"))
        # The administrator reads why, in words.
        page = self.as_admin().get(reverse("directory:settings"))
        self.assertContains(page, "ディレクトリの検索で複数の利用者が該当しました")
        self.assertContains(page, "メールアドレスが事業者など別のアカウントと同じです")

    def test_ward_staff_may_not_use_kakunins_password_vendors_still_do(self):
        r = self.client.post(
            reverse("account_login"), {"login": "alice", "password": LOCAL_PASSWORD}
        )
        self.assertContains(r, FAILED)
        r = self.client.post(reverse("account_login"), {"login": "bob", "password": LOCAL_PASSWORD})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.signed_in_as(), str(self.bob.pk))

    def as_admin(self):
        self.client.post(reverse("account_login"), {"login": "adam", "password": LOCAL_PASSWORD})
        self.client.post(reverse("mfa_authenticate"), {"code": totp_code(self.adam_totp)})
        return self.client


class ServerDownTestCase(DirectoryTestCase):
    def test_the_server_down_break_glass_works_and_alerts(self):
        self.slapd.stop()
        try:
            r = self.sign_in("tanaka@chiyoda.test")
            self.assertContains(r, FAILED)
            event = Event.objects.get(action="auth.directory_failed")
            self.assertEqual(event.changes["reason"], "unreachable")
            down = Alert.objects.get(kind=Alert.Kind.DIRECTORY_DOWN)
            self.assertEqual(down.municipality, self.chiyoda)
            # The break-glass administrator: Kakunin's password, and TOTP.
            r = self.client.post(
                reverse("account_login"), {"login": "adam", "password": LOCAL_PASSWORD}
            )
            self.client.post(reverse("mfa_authenticate"), {"code": totp_code(self.adam_totp)})
            self.assertEqual(self.signed_in_as(), str(self.adam.pk))
            alert = Alert.objects.get(kind=Alert.Kind.BREAK_GLASS)
            self.assertEqual(alert.municipality, self.chiyoda)
            self.assertIn("adam", alert.message)
            self.assertTrue(Event.objects.filter(action="directory.break_glass").exists())
            # The nightly check disables nobody while it cannot reach the directory.
            self.sign_in_later = None
            with self.assertRaises(CommandError):
                call_command("directory_check", stdout=StringIO(), stderr=StringIO())
        finally:
            self.slapd.start()


class LeaverTestCase(DirectoryTestCase):
    def test_the_nightly_job_disables_the_deleted_the_disabled_and_the_removed(self):
        s = self.slapd
        gone = s.add_user(
            "leaver", name="退職 者", mail="leaver@city.chiyoda.test", password=PASSWORD
        )
        off = s.add_user(
            "offline", name="休職 者", mail="offline@city.chiyoda.test", password=PASSWORD
        )
        out_ = s.add_user(
            "outsider", name="異動 者", mail="outsider@city.chiyoda.test", password=PASSWORD
        )
        staff = [self.dn["suzuki"], self.dn["alice.k"], gone, off, out_]
        s.set_members("Kakunin-Department", staff)
        s.set_members("Dept-Kodomo", staff)
        leaver_client, offline_client = self.client_class(), self.client_class()
        self.sign_in("leaver@chiyoda.test", client=leaver_client)
        self.sign_in("offline@chiyoda.test", client=offline_client)
        for login in ("suzuki", "outsider"):
            self.sign_in(f"{login}@chiyoda.test", client=self.client_class())
        leaver = User.objects.get(username="leaver@chiyoda.test")
        token, _secret = issue_token(
            actor=leaver, user=leaver, name="cli", days=30, read_only=True, with_totp=False
        )
        s.delete(gone)
        s.replace(off, "userAccountControl", [str(DISABLED)])
        # The outsider leaves Kakunin's groups; suzuki moves to 税務課: both without signing in.
        s.set_members("Kakunin-Department", [self.dn["suzuki"], self.dn["alice.k"]])
        s.set_members("Dept-Kodomo", [self.dn["alice.k"]])
        s.set_members("Dept-Zeimu", [self.dn["suzuki"]])
        try:
            out = StringIO()
            call_command("directory_check", stdout=out)
        finally:
            s.set_members("Dept-Kodomo", [self.dn["suzuki"], self.dn["alice.k"]])
            s.set_members("Dept-Zeimu", [])
        self.assertIn("在籍 1、削除 1、無効 1、グループ外 1、未確認 0", out.getvalue())
        leaver.refresh_from_db()
        offline = User.objects.get(username="offline@chiyoda.test")
        outsider = User.objects.get(username="outsider@chiyoda.test")
        for person, state in ((leaver, "gone"), (offline, "disabled"), (outsider, "removed")):
            self.assertFalse(person.is_active)
            self.assertEqual(person.directory_account.state, state)
            self.assertTrue(
                Event.objects.filter(action="directory.leaver", object_id=str(person.pk)).exists()
            )
            self.assertTrue(
                Event.objects.filter(action="user.disable", object_id=str(person.pk)).exists()
            )
            self.assertFalse(
                UserSession.objects.filter(user=person, ended_at__isnull=True).exists()
            )
        token.refresh_from_db()
        self.assertIsNotNone(token.revoked_at)
        self.assertEqual(leaver_client.get(reverse("home")).status_code, 302)  # signed out
        suzuki = User.objects.get(username="suzuki@chiyoda.test")
        self.assertTrue(suzuki.is_active)
        self.assertEqual(suzuki.organisation, self.zeimu)  # the mover, followed at night
        moved = Event.objects.filter(action="directory.move", object_id=str(suzuki.pk)).get()
        self.assertIsNone(moved.actor)
        # Signing in again stays refused: Kakunin disabled the account.
        s.replace(off, "userAccountControl", ["512"])
        self.sign_in("offline@chiyoda.test", client=offline_client)
        self.assertIsNone(offline_client.session.get("_auth_user_id"))
        self.assertEqual(
            Event.objects.filter(action="auth.directory_failed").latest("seq").changes["reason"],
            "disabled_here",
        )

    def test_the_account_review_shows_the_directorys_state(self):
        self.sign_in("suzuki@chiyoda.test")
        suzuki = User.objects.get(username="suzuki@chiyoda.test")
        suzuki.directory_account.state = "gone"
        suzuki.directory_account.save()
        out = StringIO()
        call_command("account_review", stdout=out)
        line = next(x for x in out.getvalue().splitlines() if x.startswith("suzuki@chiyoda.test"))
        self.assertIn("ディレクトリ chiyoda.test: ディレクトリに存在しない", line)
        self.assertIn("ディレクトリの確認: ディレクトリに存在しない", line)
        adam = next(x for x in out.getvalue().splitlines() if x.startswith("adam\t"))
        self.assertIn("緊急用の管理者（ローカルのパスワード）", adam)
        # And beside every account on the administrators' list.
        self.client.post(reverse("account_logout"))
        self.client.post(reverse("account_login"), {"login": "adam", "password": LOCAL_PASSWORD})
        self.client.post(reverse("mfa_authenticate"), {"code": totp_code(self.adam_totp)})
        page = self.client.get(reverse("accounts:users"))
        self.assertContains(page, "ディレクトリ chiyoda.test: ディレクトリに存在しない")
        self.assertContains(page, "緊急用の管理者（ローカルのパスワード）")
        self.assertContains(page, "Kakunin のアカウント")  # bob, a vendor


class SelfAssessmentTestCase(DirectoryTestCase):
    def test_items_2_to_4_and_41_are_answered_from_the_directory(self):
        from kakunin.assessments.models import Status
        from kakunin.systems.models import System

        self.sign_in("tanaka@chiyoda.test")
        call_command("self_assessment", "--no-scan", "--user", "adam", stdout=StringIO())
        answers = System.objects.get(name="Kakunin").assessments.latest("pk").answers
        text = {a.item.key: (a.status, a.text) for a in answers.select_related("item")}
        self.assertIn("LDAP / Active Directory、chiyoda.test", text["id-no-sharing"][1])
        self.assertIn("緊急用の管理者 Adam (adam)", text["id-personal-auth"][1])
        self.assertIn("TOTP）の追加: あり", text["id-personal-auth"][1])
        self.assertIn("毎晩、ディレクトリから削除・無効化された職員", text["id-issuance"][1])
        # 41: the ward's local accounts nobody may use any more are named.
        status, words = text["web-unneeded-accounts"]
        self.assertEqual(status, Status.NOT_DONE)
        for local in ("alice", "rita", "dave"):
            self.assertIn(local, words)
        self.assertNotIn("tanaka", words)
