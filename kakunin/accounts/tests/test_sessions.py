from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from kakunin.test import PASSWORD, BaseTestCase


class SessionTestCase(BaseTestCase):
    def login(self):
        r = self.client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
        self.assertEqual(r.status_code, 302)
        return r

    def test_the_session_id_is_only_in_an_httponly_samesite_cookie(self):
        r = self.login()
        cookie = r.cookies["sessionid"]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertNotIn(cookie.value, r["Location"])
        self.assertFalse(cookie["secure"])  # plain HTTP in tests; HTTPS=1 sets Secure

    @override_settings(SESSION_COOKIE_SECURE=True)
    def test_the_cookie_is_secure_when_https_is_on(self):
        r = self.login()
        self.assertTrue(r.cookies["sessionid"]["secure"])

    def test_the_session_rotates_at_login(self):
        self.client.get(reverse("account_login"))
        self.client.session["probe"] = 1
        session = self.client.session
        session["before-login"] = True
        session.save()
        before = session.session_key
        self.login()
        self.assertNotEqual(self.client.session.session_key, before)
        self.assertFalse(Session.objects.filter(session_key=before).exists())

    def test_sixty_idle_minutes_end_the_session_on_the_server(self):
        self.login()
        key = self.client.session.session_key
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 200)
        expiry = Session.objects.get(session_key=key).expire_date
        self.assertAlmostEqual((expiry - timezone.now()).total_seconds(), 3600, delta=60)
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        r = self.client.get(reverse("systems:index"))
        self.assertRedirects(r, reverse("account_login") + "?next=/systems/")

    def test_each_request_renews_the_idle_timer(self):
        self.login()
        key = self.client.session.session_key
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + timedelta(minutes=5)
        )
        self.client.get(reverse("systems:index"))
        expiry = Session.objects.get(session_key=key).expire_date
        self.assertGreater(expiry, timezone.now() + timedelta(minutes=55))

    def test_logout_is_post_only_and_deletes_the_session_on_the_server(self):
        self.login()
        key = self.client.session.session_key
        self.client.get(reverse("account_logout"))
        self.assertTrue(Session.objects.filter(session_key=key).exists())
        self.client.post(reverse("account_logout"))
        self.assertFalse(Session.objects.filter(session_key=key).exists())
        # Replaying the old cookie does not bring the session back.
        replay = Client()
        replay.cookies["sessionid"] = key
        self.assertEqual(replay.get(reverse("systems:index")).status_code, 302)


class CsrfTestCase(BaseTestCase):
    def test_a_post_without_a_token_is_refused_everywhere(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        a = self.assessment.pk
        for url in [
            reverse("systems:create"),
            reverse("systems:edit", args=[self.system.pk]),
            reverse("assessments:save_item", args=[a, "pw-composition"]),
            reverse("forms_xlsx:upload", args=[a]),
            reverse("account_logout"),
            reverse("account_change_password"),
        ]:
            with self.subTest(url=url):
                r = client.post(url, {"name": "x"})
                self.assertEqual(r.status_code, 403)

    def test_no_view_is_exempt_from_csrf(self):
        from django.urls import get_resolver

        def walk(patterns):
            for p in patterns:
                if hasattr(p, "url_patterns"):
                    yield from walk(p.url_patterns)
                else:
                    yield p

        exempt = [
            str(p.pattern)
            for p in walk(get_resolver().url_patterns)
            if getattr(p.callback, "csrf_exempt", False)
        ]
        self.assertEqual(exempt, [])


class NoSecretsInUrlsTestCase(BaseTestCase):
    def test_the_password_reset_sends_a_code_to_type_not_a_link_with_a_key(self):
        from django.core import mail

        r = self.client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
        self.assertEqual(r.status_code, 302)
        body = mail.outbox[0].body
        self.assertNotRegex(body, r"https?://\S*(key|token)")
        self.assertNotRegex(body, r"/password/reset/key/")
        page = self.client.get(r["Location"])
        self.assertContains(page, 'name="code"')

    def test_login_posts_its_credentials_in_the_body(self):
        html = self.client.get(reverse("account_login")).content.decode()
        self.assertIn('<form method="post" action="/auth/login/"', html)
