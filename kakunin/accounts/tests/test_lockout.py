from django.test import override_settings
from django.urls import reverse

from kakunin.audit.models import Event
from kakunin.test import PASSWORD, BaseTestCase

GENERIC = "ユーザIDもしくはパスワードが違います"


class LoginMessageTestCase(BaseTestCase):
    def login(self, login, password, **extra):
        return self.client.post(
            reverse("account_login"), {"login": login, "password": password}, **extra
        )

    def test_unknown_user_and_wrong_password_get_the_same_message(self):
        unknown = self.login("nobody-here", "Wrong-Password-1")
        wrong = self.login("alice", "Wrong-Password-1")
        self.assertContains(unknown, GENERIC)
        self.assertContains(wrong, GENERIC)
        body = lambda r: r.content.decode().replace("nobody-here", "X").replace("alice", "X")  # noqa: E731
        strip = lambda t: "".join(t.split("csrfmiddlewaretoken")[0::2])  # noqa: E731
        self.assertEqual(strip(body(unknown)).count(GENERIC), strip(body(wrong)).count(GENERIC))

    def test_a_disabled_account_fails_like_a_wrong_password(self):
        self.bob.is_active = False
        self.bob.save()
        r = self.login("bob", PASSWORD)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, GENERIC)
        self.assertNotContains(r, "inactive")

    def test_there_is_no_remember_me(self):
        r = self.client.get(reverse("account_login"))
        self.assertNotContains(r, 'name="remember"')
        self.login("alice", PASSWORD)
        self.assertTrue(self.client.session.get_expire_at_browser_close())


class LockoutTestCase(BaseTestCase):
    def login(self, login, password, ip="127.0.0.1"):
        return self.client.post(
            reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=ip
        )

    def fail(self, times, login="alice", ip="127.0.0.1"):
        for _ in range(times):
            self.login(login, "Wrong-Password-1", ip)

    def test_ten_failures_lock_the_account_and_the_right_password_is_refused(self):
        self.fail(9)
        r = self.login("alice", PASSWORD)
        self.assertEqual(r.status_code, 302)  # nine failures: still allowed (and reset)
        self.client.logout()
        self.fail(10)
        r = self.login("alice", PASSWORD)
        self.assertEqual(r.status_code, 429)
        self.assertContains(r, "ログインに続けて失敗したため", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertTrue(
            Event.objects.filter(action="auth.lockout", object_id=str(self.alice.pk)).exists()
        )

    def test_the_lock_follows_the_account_whether_named_by_id_or_email(self):
        self.fail(5, "alice")
        self.fail(5, "ALICE@example.org")
        r = self.login("alice", PASSWORD, ip="10.0.0.9")
        self.assertEqual(r.status_code, 429)

    def test_one_address_is_locked_too(self):
        for i in range(10):
            self.login(f"someone{i}", "Wrong-Password-1", ip="192.0.2.7")
        r = self.login("bob", PASSWORD, ip="192.0.2.7")
        self.assertEqual(r.status_code, 429)
        r = self.login("bob", PASSWORD, ip="192.0.2.8")
        self.assertEqual(r.status_code, 302)

    def test_the_lock_lifts_after_thirty_minutes(self):
        self.fail(10)
        with override_settings(AXES_COOLOFF_TIME=__import__("datetime").timedelta(seconds=0)):
            r = self.login("alice", PASSWORD)
        self.assertEqual(r.status_code, 302)

    def test_an_administrator_can_unlock(self):
        self.fail(10)
        admin = self.client_class()
        admin.force_login(self.adam)
        r = admin.get(reverse("accounts:lockouts"))
        self.assertContains(r, "alice")
        admin.post(reverse("accounts:unlock"), {"username": "alice"})
        self.assertTrue(Event.objects.filter(action="auth.unlock", actor=self.adam).exists())
        r = self.login("alice", PASSWORD)
        self.assertEqual(r.status_code, 302)

    @override_settings(NUM_PROXIES=1)
    def test_behind_the_proxy_the_client_address_is_read_from_x_forwarded_for(self):
        for i in range(10):
            self.client.post(
                reverse("account_login"),
                {"login": f"x{i}", "password": "Wrong-Password-1"},
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR="203.0.113.5",
            )
        event = Event.objects.filter(action="auth.login_failed").latest("seq")
        self.assertEqual(event.ip, "203.0.113.5")
        # Another client behind the same proxy is not locked out.
        r = self.client.post(
            reverse("account_login"),
            {"login": "bob", "password": PASSWORD},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.6",
        )
        self.assertEqual(r.status_code, 302)

    @override_settings(NUM_PROXIES=1)
    def test_a_forged_forwarded_address_is_not_believed(self):
        self.client.post(
            reverse("account_login"),
            {"login": "x", "password": "y"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9",
        )
        self.assertEqual(
            Event.objects.filter(action="auth.login_failed").latest("seq").ip, "198.51.100.9"
        )
