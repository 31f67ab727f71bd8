"""In the browser: a reviewer of 千代田区 signs in through its Active Directory (a real
slapd; 千代田区 asks TOTP on top), and one of 港区 through its OpenID Connect provider (a
real django-oauth-toolkit provider; 港区 asks none). Two municipalities, configured
differently, on one service."""

import re

from playwright.sync_api import expect

from kakunin.accounts.models import User
from kakunin.directory.tests.base import PASSWORD, ldap_directory
from kakunin.directory.tests.oidc_base import CLIENT_ID, CLIENT_SECRET, PEOPLE, oidc_directory
from kakunin.tenants.models import Municipality
from testsupport.browser import BrowserTestCase
from testsupport.fixtures import create_second_municipality, enrol_totp, make_user
from testsupport.ldap_server import Slapd
from testsupport.oidc_server import OidcProvider


class DirectorySignInBrowserTestCase(BrowserTestCase):
    ignore_https_errors = True  # the test provider's certificate is of a throwaway CA

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slapd = Slapd()
        cls.addClassCleanup(cls.slapd.close)
        tanaka = cls.slapd.add_user(
            "tanaka", name="田中 太郎", mail="tanaka@city.chiyoda.test", password=PASSWORD
        )
        cls.slapd.add_group("Kakunin-Reviewers", [tanaka])
        for group in ("Kakunin-Department", "Kakunin-Admins", "Kakunin-Auditors"):
            cls.slapd.add_group(group, [])
        cls.slapd.add_group("Dept-Joho", [tanaka])
        callback = f"{cls.live_server_url}/auth/oidc/m131032/login/callback/"
        cls.provider = OidcProvider(CLIENT_ID, CLIENT_SECRET, [callback])
        cls.addClassCleanup(cls.provider.close)
        cls.provider.people(PEOPLE)

    def setUp(self):
        super().setUp()
        create_second_municipality(self)
        chiyoda = Municipality.default()
        ldap_directory(
            self.slapd,
            chiyoda,
            break_glass=self.adam,
            department_groups={self.slapd.group_dn("Dept-Joho"): self.security.pk},
        )
        oidc_directory(
            self.provider,
            self.minato,
            {"joho": self.minato_it.pk},
            make_user("mado", "admin", self.minato_it),
        )

    def test_a_reviewer_signs_in_through_each_municipalitys_directory(self):
        # 千代田区: ID@domain and the directory's password; TOTP asked on top.
        self.login("tanaka@chiyoda.test", PASSWORD, wait=False)
        expect(self.page).to_have_url(re.compile("/2fa/totp/activate/"))
        tanaka = User.objects.get(username="tanaka@chiyoda.test")
        self.assertEqual((tanaka.role, tanaka.organisation), ("reviewer", self.security))
        self.context.clear_cookies()
        self.tanaka_totp = enrol_totp(tanaka)
        self.login("tanaka@chiyoda.test", PASSWORD, wait=False)
        expect(self.page).to_have_url(re.compile("/2fa/authenticate/"))
        self.page.fill("input[name=code]", self.fresh_code("tanaka"))
        self.page.click("button[type=submit]")
        expect(self.page).to_have_url(re.compile("/dashboard/"))
        expect(self.page.locator("header")).to_contain_text("田中 太郎")
        self.screenshot("directory-ldap-reviewer")
        self.page.get_by_role("button", name="ログアウト").click()

        # 港区: its provider's own page, back signed in; no TOTP asked.
        self.page.goto(self.url("/auth/directory/131032/"))
        self.page.get_by_role(
            "button", name="組織のアカウントでサインイン（OpenID Connect）"
        ).click()
        expect(self.page.locator("h1")).to_have_text("Test IdP")
        self.page.fill("#idp-username", "kato")
        self.page.fill("#idp-password", "Idp-Pw-2026")
        self.page.click("#idp-submit")
        expect(self.page).to_have_url(re.compile("/dashboard/"))
        expect(self.page.locator("header")).to_contain_text("加藤 三郎")
        kato = User.objects.get(username="kato@minato.test")
        self.assertEqual(
            (kato.municipality, kato.role, kato.organisation),
            (self.minato, "reviewer", self.minato_it),
        )
        self.screenshot("directory-oidc-reviewer")
