"""The administrator's settings page: each bad setting gets a clear message and
changes nothing; the secret is stored encrypted and never shown again."""

from django.db import connection
from django.urls import reverse

from kakunin.audit.models import Event
from kakunin.directory.models import Directory
from kakunin.directory.tests.base import BIND_PASSWORD, DirectoryTestCase
from testsupport.fixtures import PASSWORD as LOCAL_PASSWORD
from testsupport.fixtures import totp_code
from testsupport.servers import Authority, free_port, temporary_directory


class SettingsTestCase(DirectoryTestCase):
    def setUp(self):
        super().setUp()
        self.client.post(reverse("account_login"), {"login": "adam", "password": LOCAL_PASSWORD})
        self.client.post(reverse("mfa_authenticate"), {"code": totp_code(self.adam_totp)})

    def form(self, **changes) -> dict:
        s, d = self.slapd, self.directory
        data = {
            "kind": "ldap", "enabled": "on", "domain": d.domain, "server_uri": d.server_uri,
            "ca_certificate": d.ca_certificate, "bind_dn": d.bind_dn, "bind_password": "",
            "user_search_base": d.user_search_base, "user_filter": d.user_filter,
            "group_search_base": d.group_search_base, "group_filter": d.group_filter,
            "group_type": "member", "attr_full_name": "displayName", "attr_email": "mail",
            "claim_groups": "groups", "claim_username": "preferred_username",
            "claim_full_name": "name", "claim_email": "email", "require_totp": "on",
            "break_glass": self.adam.pk,
            "roles": f"reviewer: {s.group_dn('Kakunin-Reviewers')}\ndepartment: {s.group_dn('Kakunin-Department')}",
            "departments": f"情報政策課: {s.group_dn('Dept-Joho')}\n子ども支援課: {s.group_dn('Dept-Kodomo')}",
        }  # fmt: skip
        return {k: v for k, v in (data | changes).items() if v is not None}

    def save(self, **changes):
        return self.client.post(reverse("directory:settings"), self.form(**changes))

    def assertRefused(self, response, message: str):
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.assertFalse(Event.objects.filter(action="directory.configure").exists())
        stored = Directory.objects.get(pk=self.directory.pk)
        self.assertEqual(
            (stored.server_uri, stored.ca_certificate, stored.role_groups),
            (self.directory.server_uri, self.directory.ca_certificate, self.directory.role_groups),
        )

    def test_good_settings_are_tried_saved_and_audited_without_the_secret(self):
        self.directory.bind_password = "The-Old-Secret-1"
        self.directory.save()
        r = self.save(bind_password=BIND_PASSWORD, start_tls=None)
        self.assertRedirects(r, reverse("directory:settings"), fetch_redirect_response=False)
        event = Event.objects.get(action="directory.configure")
        self.assertEqual(event.changes["bind_password"], [None, "（変更）"])
        self.assertNotIn(BIND_PASSWORD, str(event.changes))
        page = self.client.get(reverse("directory:settings"))
        self.assertNotContains(page, BIND_PASSWORD)
        self.assertContains(page, "設定済み（表示しません）")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT bind_password FROM directory_directory WHERE id = %s", [self.directory.pk]
            )
            raw = cursor.fetchone()[0]
        self.assertNotIn(BIND_PASSWORD, raw)
        self.assertEqual(Directory.objects.get(pk=self.directory.pk).bind_password, BIND_PASSWORD)

    def test_plain_ldap_is_refused_starttls_is_not(self):
        plain = f"ldap://127.0.0.1:{self.slapd.plain_port}"
        self.assertRefused(self.save(server_uri=plain), "暗号化しない ldap:// は使えません")
        r = self.save(server_uri=plain, start_tls="on")
        self.assertEqual(r.status_code, 302)  # StartTLS, the certificate verified
        self.assertEqual(Directory.objects.get(pk=self.directory.pk).server_uri, plain)

    def test_an_unreachable_server(self):
        r = self.save(server_uri=f"ldaps://127.0.0.1:{free_port()}")
        self.assertRefused(r, "ディレクトリのサーバに接続できません")

    def test_a_certificate_that_does_not_verify(self):
        other = Authority(temporary_directory("kakunin-other-ca-"), "Another CA")
        r = self.save(ca_certificate=other.path.read_text())
        self.assertRefused(r, "ディレクトリのサーバ証明書を検証できません")

    def test_a_wrong_search_account_password(self):
        self.assertRefused(
            self.save(bind_password="Not-The-Secret-1"),
            "検索用アカウントでディレクトリにバインドできません",
        )

    def test_a_group_mapped_to_two_roles(self):
        group = self.slapd.group_dn("Kakunin-Reviewers")
        r = self.save(roles=f"reviewer: {group}\nadmin: {group.upper()}")
        self.assertRefused(
            r, "が2つのロール（セキュリティ審査担当、システム管理者）に割り当てられています"
        )

    def test_other_bad_settings_each_named(self):
        cases = [
            ({"roles": "superuser: CN=x"}, "「superuser」はロールではありません"),
            ({"roles": "reviewer CN=x"}, "1 行目: 「名前: グループ」の形で書いてください"),
            ({"departments": "存在しない課: CN=x"}, "部署「存在しない課」は登録されていません"),
            ({"user_filter": "(uid=tanaka)"}, "%(user)s を含めてください"),
            ({"break_glass": ""}, "緊急用の管理者（ローカル）を1人選んでください"),
            ({"domain": "not a domain"}, "ドメインの形"),
            ({"kind": "oidc", "issuer": "http://idp.example"}, "https:// で始まるもの"),
        ]
        for changes, message in cases:
            with self.subTest(message):
                self.assertRefused(self.save(**changes), message)

    def test_the_probe_finds_one_person_or_says_two(self):
        url = reverse("directory:probe")
        self.assertContains(self.client.post(url, {"login": "tanaka"}), "「tanaka」: 1人が該当")
        self.assertContains(
            self.client.post(url, {"login": "yamada"}),
            "ディレクトリの検索で複数の利用者が該当しました",
        )
        self.assertContains(
            self.client.post(url, {"login": "ghost"}), "ディレクトリに該当する利用者がいません"
        )

    def test_only_the_municipalitys_administrators_reach_it(self):
        self.assertContains(self.client.get(reverse("accounts:users")), 'href="/users/directory/"')
        self.client.post(reverse("account_logout"))
        self.client.post(reverse("account_login"), {"login": "bob", "password": LOCAL_PASSWORD})
        self.assertEqual(self.client.get(reverse("directory:settings")).status_code, 404)
