from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from kakunin.accounts.models import User
from kakunin.audit.models import Event
from testsupport.fixtures import PASSWORD, BaseTestCase


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
        self.assertContains(r, "12 文字以上")


class EnsureAdminTestCase(BaseTestCase):
    def test_it_creates_the_first_administrator_once_with_a_random_password(self):
        User.objects.filter(role="admin").update(is_active=False)
        out = StringIO()
        call_command(
            "ensure_admin", "--username", "root", "--email", "root@example.org", stdout=out
        )
        root = User.objects.get(username="root")
        password = out.getvalue().split("one-time password : ")[1].split()[0]
        self.assertTrue(root.check_password(password))
        self.assertTrue(root.must_change_password)
        out2 = StringIO()
        call_command(
            "ensure_admin", "--username", "root2", "--email", "r2@example.org", stdout=out2
        )
        self.assertIn("登録済み", out2.getvalue())
        self.assertFalse(User.objects.filter(username="root2").exists())
