"""Signing in through a real OpenID Connect provider: the claims mapped, and a wrong
audience, an expired token, a wrong signature, a replayed state and a vendor's address
each refused, told apart in the trail only."""

from django.urls import reverse

from kakunin.accounts.models import Role, User
from kakunin.audit.models import Event
from kakunin.directory.models import Directory
from kakunin.directory.tests.oidc_base import CLIENT_ID, CLIENT_SECRET, PEOPLE, OidcTestCase
from testsupport.fixtures import PASSWORD, enrol_totp, totp_code
from testsupport.servers import Authority, free_port, temporary_directory


class OidcSignInTestCase(OidcTestCase):
    def refused(self, response, detail: str = ""):
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "サインインできませんでした", status_code=403)
        self.assertIsNone(self.client.session.get("_auth_user_id"))
        event = Event.objects.filter(action="auth.directory_failed").latest("seq")
        self.assertEqual(event.municipality_id, self.minato.pk)
        if detail:
            self.assertIn(detail, event.changes.get("detail", ""))
        return event

    def test_the_start_page_names_the_municipality(self):
        self.assertContains(self.client.get(self.start_page()), "港区のアカウントでサインイン")

    def test_a_reviewer_signs_in_with_role_and_department_from_claims(self):
        r, _ = self.oidc_sign_in("kato")
        self.assertEqual(r.status_code, 302)
        kato = User.objects.get(username="kato@minato.test")
        self.assertEqual(self.client.session.get("_auth_user_id"), str(kato.pk))
        self.assertEqual(
            (kato.role, kato.organisation, kato.municipality, kato.full_name, kato.email),
            (Role.REVIEWER, self.minato_it, self.minato, "加藤 三郎", "kato@city.minato.test"),
        )
        self.assertEqual(kato.directory_account.external_id, "s-100")
        # 港区 asks no TOTP on top of its provider: the reviewer's page at once.
        self.assertEqual(
            self.client.get(reverse("home"), follow=True).redirect_chain, [("/dashboard/", 302)]
        )

    def test_a_mover_at_the_next_sign_in(self):
        self.oidc_sign_in("ito")
        ito = User.objects.get(username="ito@minato.test")
        self.assertEqual((ito.role, ito.organisation), (Role.DEPARTMENT, self.minato_dept))
        self.client.post(reverse("account_logout"))
        self.provider.people(
            PEOPLE | {"ito": PEOPLE["ito"] | {"groups": ["kakunin-reviewers", "joho"]}}
        )
        try:
            self.oidc_sign_in("ito")
        finally:
            self.provider.people(PEOPLE)
        ito.refresh_from_db()
        self.assertEqual((ito.role, ito.organisation), (Role.REVIEWER, self.minato_it))
        self.assertTrue(
            Event.objects.filter(action="directory.move", object_id=str(ito.pk)).exists()
        )

    def test_a_wrong_audience_is_refused(self):
        self.provider.fault("wrong_audience")
        r, _ = self.oidc_sign_in("kato")
        self.refused(r, "Invalid id_token")
        self.assertFalse(User.objects.filter(username="kato@minato.test").exists())

    def test_an_expired_token_is_refused(self):
        self.provider.fault("expired")
        r, _ = self.oidc_sign_in("kato")
        self.refused(r, "Invalid id_token")

    def test_a_wrong_signature_is_refused(self):
        self.provider.fault("wrong_signature")
        r, _ = self.oidc_sign_in("kato")
        self.refused(r, "Invalid id_token")
        self.assertFalse(User.objects.filter(username="kato@minato.test").exists())

    def test_a_replayed_state_is_refused(self):
        r, back = self.oidc_sign_in("kato")
        self.assertEqual(r.status_code, 302)
        self.client.post(reverse("account_logout"))
        self.refused(self.client.get(back))
        other = self.client_class()
        self.assertEqual(other.get(back).status_code, 403)
        self.assertIsNone(other.session.get("_auth_user_id"))

    def test_a_vendors_address_is_refused(self):
        r, _ = self.oidc_sign_in("vendorish")
        self.assertEqual(self.refused(r).changes["reason"], "email_taken")
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.role, Role.VENDOR)

    def test_no_connecting_a_provider_to_a_signed_in_account(self):
        self.client.force_login(self.bob)
        r = self.client.post("/auth/oidc/m131032/login/", {"process": "connect"})
        back = self.at_provider(r["Location"], "kato")
        self.assertEqual(self.client.get(back.replace("http://testserver", "")).status_code, 403)
        self.assertFalse(User.objects.filter(username="kato@minato.test").exists())
        self.assertEqual(self.bob.socialaccount_set.count(), 0)

    def test_a_provider_whose_certificate_does_not_verify_or_that_is_down(self):
        other = Authority(temporary_directory("kakunin-other-ca-"), "Another CA")
        self.directory.ca_certificate = other.path.read_text()
        self.directory.save()
        r = self.client.post("/auth/oidc/m131032/login/", {"process": "login"})
        self.assertEqual(self.refused(r).changes["reason"], "certificate")
        self.directory.issuer = f"https://127.0.0.1:{free_port()}/o"
        self.directory.save()
        r = self.client.post("/auth/oidc/m131032/login/", {"process": "login"})
        self.assertEqual(self.refused(r).changes["reason"], "unreachable")

    def test_the_administrator_is_told_and_nothing_is_saved(self):
        secret = enrol_totp(self.mado)  # 港区's break-glass administrator: its own password
        self.client.post(reverse("account_login"), {"login": "mado", "password": PASSWORD})
        self.client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        form = {
            "kind": "oidc", "enabled": "on", "domain": "minato.test", "issuer": self.provider.issuer,
            "client_id": CLIENT_ID, "client_secret": "", "claim_groups": "groups",
            "claim_username": "preferred_username", "claim_full_name": "name", "claim_email": "email",
            "user_filter": "(sAMAccountName=%(user)s)", "group_filter": "(objectClass=group)",
            "group_type": "member", "attr_full_name": "displayName", "attr_email": "mail",
            "break_glass": self.mado.pk, "roles": "reviewer: kakunin-reviewers",
            "departments": "情報政策課: joho", "ca_certificate": self.provider.ca,
        }  # fmt: skip
        other = Authority(temporary_directory("kakunin-other-ca-"), "Another CA")
        url = reverse("directory:settings") + "?municipality=131032"
        r = self.client.post(url, form | {"ca_certificate": other.path.read_text()})
        self.assertContains(r, "提供者のサーバ証明書を検証できません")
        self.assertFalse(Event.objects.filter(action="directory.configure").exists())
        self.assertEqual(self.client.post(url, form).status_code, 302)
        self.assertTrue(Event.objects.filter(action="directory.configure").exists())
        self.assertEqual(Directory.objects.get(pk=self.directory.pk).client_secret, CLIENT_SECRET)
