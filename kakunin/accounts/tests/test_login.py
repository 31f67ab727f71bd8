from io import StringIO

from django.core.management import CommandError, call_command
from django.urls import reverse

from kakunin.accounts.models import User
from kakunin.audit.models import Event
from testsupport.fixtures import PASSWORD, BaseTestCase, enrol_totp


class LoginTestCase(BaseTestCase):
    def login(self, login: str, password: str):
        return self.client.post(reverse("account_login"), {"login": login, "password": password})

    def test_it_logs_in_by_user_id_or_email_and_audits(self):
        r = self.login("alice", PASSWORD)
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)
        self.client.post(reverse("account_logout"))
        r = self.login("alice@example.org", PASSWORD)
        self.assertEqual(r.status_code, 302)
        actions = list(Event.objects.filter(actor=self.alice).values_list("action", flat=True))
        self.assertEqual(actions.count("auth.login"), 2)
        self.assertIn("auth.logout", actions)

    def test_a_failed_login_is_audited_without_the_password(self):
        r = self.login("alice", "wrong-password-1A")
        self.assertEqual(r.status_code, 200)
        event = Event.objects.get(action="auth.login_failed")
        self.assertEqual(event.changes, {"login": "alice"})
        self.assertEqual(event.object_id, str(self.alice.pk))
        self.assertEqual(event.ip, "127.0.0.1")

    def test_there_is_no_sign_up(self):
        r = self.client.get(reverse("account_signup"))
        self.assertNotContains(r, 'name="password1"')

    def test_logout_is_post_only(self):
        self.client.force_login(self.alice)
        self.client.get(reverse("account_logout"))
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 200)
        self.client.post(reverse("account_logout"))
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 302)


class ForcedPasswordChangeTestCase(BaseTestCase):
    def test_an_issued_password_must_be_changed_before_anything_else(self):
        self.alice.must_change_password = True
        self.alice.save()
        self.client.force_login(self.alice)
        r = self.client.get(reverse("systems:index"))
        self.assertRedirects(r, reverse("account_change_password") + "?next=%2Fsystems%2F")
        new = "Brand-New-Secret-77"
        r = self.client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
        self.assertEqual(r.status_code, 302)
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.must_change_password)
        self.assertIsNotNone(self.alice.password_changed_at)
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 200)
        self.assertTrue(
            Event.objects.filter(action="user.password_change", actor=self.alice).exists()
        )

    def test_the_new_password_must_meet_the_policy(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": "alllowercase12", "password2": "alllowercase12"},
        )
        self.assertContains(r, "英大文字")
        r = self.client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": "Short1A", "password2": "Short1A"},
        )
        self.assertContains(r, "パスワードは12文字以上にしてください。")


class EnsureAdminTestCase(BaseTestCase):
    """Issue 23.16 (item 41): the first administrator is a named person: named by
    ensure_admin, or, made as `admin` by `make run`, naming themself at the first
    login before anything else."""

    def setUp(self):
        super().setUp()
        User.objects.filter(role="admin").update(is_active=False)

    def ensure(self, *args) -> str:
        out = StringIO()
        call_command("ensure_admin", *args, stdout=out)
        return out.getvalue()

    def test_a_named_administrator_once_with_a_random_password(self):
        out = self.ensure("--username", "yamada.taro", "--email", "yamada@city.example",
                          "--full-name", "山田 太郎", "--organisation", "デジタル推進課")  # fmt: skip
        yamada = User.objects.get(username="yamada.taro")
        password = out.split("one-time password : ")[1].split()[0]
        self.assertTrue(yamada.check_password(password))
        self.assertTrue(yamada.must_change_password)
        self.assertFalse(yamada.must_choose_id)
        self.assertEqual((yamada.role, yamada.organisation.name, yamada.organisation.kind),
                         ("admin", "デジタル推進課", "ward"))  # fmt: skip
        self.assertTrue(Event.objects.filter(action="organisation.create").exists())
        again = self.ensure("--username", "sato.jiro", "--email", "sato@city.example",
                            "--full-name", "佐藤 次郎")  # fmt: skip
        self.assertIn("登録済み", again)
        self.assertFalse(User.objects.filter(username="sato.jiro").exists())

    def test_a_generic_or_incomplete_name_is_refused_with_a_message(self):
        cases = [
            (("--username", "admin", "--email", "a@city.example", "--full-name", "管理者"),
             "共用・テスト用と紛らわしいIDは発行できません"),
            (("--username", "root", "--email", "r@city.example", "--full-name", "管理者"),
             "共用・テスト用と紛らわしいIDは発行できません"),
            (("--username", "yamada.taro",), "--email、--full-name も指定してください"),
            (("--username", "yamada taro", "--email", "y@city.example", "--full-name", "山田"),
             "ユーザIDには半角英数字と . _ - のみ使えます"),
            (("--username", "yamada.taro", "--email", "not-an-address", "--full-name", "山田"),
             "有効なメールアドレス"),
            (("--username", "yamada.taro", "--email", "bob@example.org", "--full-name", "山田"),
             "このメールアドレスは既に別の利用者に登録されています"),
            (("--username", "yamada.taro", "--email", "y@city.example", "--full-name", "=1+1"),
             "名前の先頭に"),
            (("--username", "yamada.taro", "--email", "y@city.example", "--full-name", "山田",
              "--organisation", "株式会社アルファ"), "区の部署ではありません"),
        ]  # fmt: skip
        before = User.objects.count()
        for args, message in cases:
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                self.ensure(*args)
        self.assertEqual(User.objects.count(), before)

    def test_made_as_admin_its_holder_names_themself_at_the_first_login(self):
        out = self.ensure()
        self.assertIn("本人のユーザID・氏名・メールアドレスを設定します", out)
        first = User.objects.get(username="admin")
        self.assertTrue(first.must_choose_id)
        # Past the password change and the TOTP enrolment (tested elsewhere):
        User.objects.filter(pk=first.pk).update(must_change_password=False)
        enrol_totp(first)
        self.client.force_login(first)
        self.assertRedirects(
            self.client.get(reverse("dashboards:home")), reverse("accounts:choose_identity")
        )
        page = self.client.get(reverse("accounts:choose_identity"))
        self.assertContains(page, "共用と紛らわしいID")
        r = self.client.post(reverse("accounts:choose_identity"),
                             {"username": "administrator", "full_name": "鈴木 一郎",
                              "email": "suzuki@city.example"})  # fmt: skip
        self.assertContains(r, "共用・テスト用と紛らわしいIDは発行できません", status_code=400)
        r = self.client.post(reverse("accounts:choose_identity"),
                             {"username": "bob", "full_name": "鈴木 一郎",
                              "email": "suzuki@city.example"})  # fmt: skip
        self.assertContains(r, "このユーザIDは既に使われています", status_code=400)
        self.assertTrue(User.objects.get(pk=first.pk).must_choose_id)
        r = self.client.post(reverse("accounts:choose_identity"),
                             {"username": "suzuki.ichiro", "full_name": "鈴木 一郎",
                              "email": "suzuki@city.example"})  # fmt: skip
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)
        named = User.objects.get(pk=first.pk)
        self.assertEqual((named.username, named.full_name, named.email, named.must_choose_id),
                         ("suzuki.ichiro", "鈴木 一郎", "suzuki@city.example", False))  # fmt: skip
        event = Event.objects.get(action="user.identity")
        self.assertEqual(event.actor_id, first.pk)
        self.assertEqual(event.changes["username"], ["admin", "suzuki.ichiro"])
        self.assertEqual(self.client.get(reverse("dashboards:home")).status_code, 200)
        self.assertEqual(self.client.get(reverse("accounts:choose_identity")).status_code, 404)
