"""One's own API tokens on the web: issued with the secret shown once, TOTP recorded
from the login, bad input refused with nothing issued, revoked by their owner only.
In a real browser: a reviewer's TOTP login, a token issued and used, and the API's
documentation pages under the real CSP."""

import re

import httpx
from django.urls import reverse
from playwright.sync_api import expect

from kakunin.accounts.actions import disable_user, reset_password
from kakunin.api.actions import issue_token
from kakunin.api.models import Token, digest
from kakunin.audit.models import Event
from kakunin.notifications.models import Notification
from testsupport.browser import BrowserTestCase
from testsupport.fixtures import PASSWORD, BaseTestCase, totp_code


class TokenPagesTestCase(BaseTestCase):
    def issue(self, **data):
        form = {"name": "SBOM登録", "days": "30", "read_only": "on", "password": PASSWORD} | data
        return self.client.post(
            reverse("tokens:issue"), {k: v for k, v in form.items() if v is not None}
        )

    def test_the_secret_is_shown_once_and_kept_only_as_a_hash(self):
        self.client.force_login(self.bob)
        r = self.issue(read_only=None)
        self.assertEqual(r.status_code, 200)
        secret = re.search(r'id="token-secret">(kkn_[^<]+)<', r.content.decode()).group(1)
        token = Token.objects.get(digest=digest(secret))
        self.assertEqual((token.user, token.read_only, token.with_totp), (self.bob, False, False))
        page = self.client.get(reverse("tokens:index")).content.decode()
        self.assertIn("SBOM登録", page)
        self.assertNotIn(secret, page)
        self.assertIn(secret[:8], page)

    def test_a_token_is_issued_only_on_the_password_and_the_code_typed_again(self):
        """Issue 23.13: a five-minute-old session minted a 365-day read-write token with
        no prompt. A wrong password or code is a failed login, counted and audited."""
        self.client.force_login(self.rita)
        r = self.issue(password="Wrong-Password-1", code=totp_code(self.rita_totp))
        self.assertContains(r, "パスワードが違います。", status_code=400)
        r = self.issue(password=None, code=None)
        self.assertContains(r, "このフィールドは必須です", status_code=400)
        r = self.issue(code="000000")
        self.assertContains(r, "認証アプリのコードが違います。", status_code=400)
        self.assertFalse(Token.objects.exists())
        failures = Event.objects.filter(actor=None, object_id=str(self.rita.pk))
        self.assertEqual(
            sorted(failures.values_list("action", flat=True)),
            ["auth.login_failed", "auth.mfa_failed"],
        )
        r = self.issue(code=totp_code(self.rita_totp))
        self.assertEqual(r.status_code, 200)
        self.assertTrue(Token.objects.get(user=self.rita).with_totp)
        # The same code is spent: it does not issue a second one.
        self.assertEqual(self.issue(code=totp_code(self.rita_totp)).status_code, 400)

    def test_bad_input_is_refused_and_nothing_is_issued(self):
        self.client.force_login(self.bob)
        for data, message in [
            ({"name": ""}, "このフィールドは必須です"),
            ({"days": "0"}, "1 以上"),
            ({"days": "366"}, "365 以下"),
            ({"days": "九十"}, "整数"),
        ]:
            with self.subTest(data=data):
                r = self.issue(**data)
                self.assertContains(r, message, status_code=400)
        self.assertFalse(Token.objects.exists())

    def test_only_the_owner_revokes(self):
        self.client.force_login(self.bob)
        self.issue()
        token = Token.objects.get()
        self.client.force_login(self.alice)
        self.assertEqual(
            self.client.post(reverse("tokens:revoke", args=[token.pk])).status_code, 404
        )
        self.client.force_login(self.bob)
        r = self.client.post(reverse("tokens:revoke", args=[token.pk]))
        self.assertRedirects(r, reverse("tokens:index"))
        token.refresh_from_db()
        self.assertIsNotNone(token.revoked_at)
        self.assertContains(self.client.get(reverse("tokens:index")), "取り消し済み")


class RedocTestCase(BaseTestCase):
    def test_redoc_asks_nothing_of_another_host(self):
        """Issue 23.10: Redoc's bundle asked cdn.redoc.ly for its logo (the CSP refused
        it). Kakunin serves the bundle with the logo made local."""
        self.client.force_login(self.bob)
        page = self.client.get(reverse("api:redoc")).content.decode()
        bundle_url = reverse("api:redoc_bundle")
        self.assertIn(f'src="{bundle_url}"', page)
        self.assertNotIn("googleapis", page)
        bundle = self.client.get(bundle_url)
        self.assertEqual(bundle["Content-Type"], "text/javascript; charset=utf-8")
        text = bundle.content.decode()
        self.assertNotIn("cdn.redoc.ly", text)
        self.assertIn("/static/img/api-docs.svg", text)
        self.assertEqual(self.client.get("/static/img/api-docs.svg").status_code, 200)


class TokenBrowserTestCase(BrowserTestCase):
    # Any refusal by the CSP fails the test: Redoc's logo too (it came from a CDN).

    def test_a_reviewer_issues_a_token_after_totp_and_reads_the_docs(self):
        self.login_reviewer()
        self.page.click("text=APIトークン")
        self.page.fill("#id_name", "資産台帳連携")
        self.page.fill("#id_password", PASSWORD)
        self.page.fill("#id_code", self.fresh_code("rita"))
        self.page.click("text=発行する")
        secret = self.page.locator("#token-secret").inner_text()
        self.assertTrue(secret.startswith("kkn_"))
        r = httpx.get(self.url("/api/v1/systems/"), headers={"Authorization": f"Bearer {secret}"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["results"][0]["name"], self.system.name)

        self.page.goto(self.url("/api/docs/"))
        expect(self.page.locator(".opblock-summary-path").first).to_be_visible()
        expect(self.page.get_by_text("/api/v1/systems/").first).to_be_visible()
        self.page.goto(self.url("/api/redoc/"))
        # Redoc reads the whole schema (every kind of record has its own operations) in a
        # worker before it shows anything: on a slow machine that takes more than 5 s.
        expect(self.page.get_by_text("Kakunin API").first).to_be_visible(timeout=60_000)


class TokensEndWithThePasswordTestCase(BaseTestCase):
    """Issue 23.13: tokens kept working after their owner changed the password, and after
    an administrator reset it."""

    def tokens(self, user, n=2):
        return [
            issue_token(actor=user, user=user, name=f"CI {i}", days=30, read_only=False,
                        with_totp=False)[1]
            for i in range(n)
        ]  # fmt: skip

    def works(self, secret) -> bool:
        r = self.client_class().get(
            reverse("api:systems"), headers={"Authorization": f"Bearer {secret}"}
        )
        return r.status_code == 200

    def assert_revoked(self, user, secrets, reason):
        self.assertFalse(any(self.works(s) for s in secrets))
        self.assertFalse(user.api_tokens.live().exists())
        revoked = Event.objects.filter(action="api_token.revoke", object_id__in=[
            str(t.pk) for t in user.api_tokens.all()])  # fmt: skip
        self.assertEqual(revoked.count(), len(secrets))
        self.assertTrue(all(e.changes["reason"] == [None, reason] for e in revoked))
        told = Notification.objects.get(user=user, kind="tokens_revoked")
        self.assertIn(f"{len(secrets)} 件", told.body)

    def test_changing_ones_password_revokes_ones_tokens(self):
        secrets = self.tokens(self.bob)
        self.assertTrue(self.works(secrets[0]))
        self.client.force_login(self.bob)
        new = "Brand-New-Secret-78"
        r = self.client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
        self.assertEqual(r.status_code, 302)
        self.assert_revoked(self.bob, secrets, "password_changed")
        self.assertIn("パスワードが変更されました", Notification.objects.get(user=self.bob).body)

    def test_a_reset_by_an_administrator_revokes_them(self):
        secrets = self.tokens(self.alice, 1)
        reset_password(actor=self.adam, user=self.alice)
        self.assert_revoked(self.alice, secrets, "password_reset")

    def test_disabling_a_person_revokes_them(self):
        secrets = self.tokens(self.alice, 1)
        disable_user(actor=self.adam, user=self.alice, reason="退職")
        self.assertFalse(self.works(secrets[0]))
        self.assertFalse(self.alice.api_tokens.live().exists())
