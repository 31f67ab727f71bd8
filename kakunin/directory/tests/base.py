"""A real slapd per test class, and 千代田区 signing its staff in through it."""

from django.urls import reverse

from kakunin.directory.models import Directory
from kakunin.tenants.models import Municipality
from testsupport.fixtures import BaseTestCase
from testsupport.ldap_server import DISABLED, Slapd

BIND_PASSWORD = "Bind-Secret-2026"
PASSWORD = "Directory-Pw-2026"


def ldap_directory(
    slapd: Slapd, municipality, *, domain="chiyoda.test", base="", **extra
) -> Directory:
    """The municipality's directory as its administrator would set it for AD."""
    departments = extra.pop("department_groups", {})
    return Directory.objects.create(
        municipality=municipality,
        kind=Directory.Kind.LDAP,
        enabled=True,
        domain=domain,
        server_uri=slapd.uri,
        ca_certificate=slapd.ca,
        bind_dn=slapd.service_dn,
        bind_password=BIND_PASSWORD,
        user_search_base=f"{base},{slapd.suffix}" if base else slapd.suffix,
        user_filter="(sAMAccountName=%(user)s)",
        group_search_base=f"OU=Groups,{slapd.suffix}",
        group_filter="(objectClass=groupOfNames)",
        role_groups={
            "reviewer": [slapd.group_dn("Kakunin-Reviewers")],
            "department": [slapd.group_dn("Kakunin-Department")],
            "admin": [slapd.group_dn("Kakunin-Admins")],
            "auditor": [slapd.group_dn("Kakunin-Auditors")],
        },
        department_groups=departments,
        **extra,
    )


class DirectoryTestCase(BaseTestCase):
    """千代田区 (the world's) with its AD: tanaka a reviewer of 情報政策課, suzuki of
    子ども支援課's staff, sato disabled, two yamadas, one person with bob's (a vendor's)
    address, one in no group, one in the groups of two roles, one with no address;
    adam its break-glass administrator."""

    slapd: Slapd

    @classmethod
    def setUpClass(cls):
        cls.slapd = Slapd()
        cls.addClassCleanup(cls.slapd.close)
        s = cls.slapd
        cls.dn = {
            "tanaka": s.add_user("tanaka", name="田中 太郎", mail="tanaka@city.chiyoda.test", password=PASSWORD),
            "suzuki": s.add_user("suzuki", name="鈴木 花子", mail="suzuki@city.chiyoda.test", password=PASSWORD),
            "sato": s.add_user("sato", name="佐藤 一郎", mail="sato@city.chiyoda.test", password=PASSWORD, control=DISABLED),
            "yamada": s.add_user("yamada", name="山田 一", mail="yamada1@city.chiyoda.test", password=PASSWORD),
            "yamada2": s.add_user("yamada", name="山田 二", mail="yamada2@city.chiyoda.test", password=PASSWORD, ou="Other"),
            "vendorish": s.add_user("vendorish", name="業者 太郎", mail="bob@example.org", password=PASSWORD),
            "nobody": s.add_user("nobody", name="所属 なし", mail="nobody@city.chiyoda.test", password=PASSWORD),
            "alice.k": s.add_user("alice.k", name="Alice K", mail="alice@example.org", password=PASSWORD),
            "double": s.add_user("double", name="兼務 二役", mail="double@city.chiyoda.test", password=PASSWORD),
            "nomail": s.add_user("nomail", name="メール なし", mail="", password=PASSWORD),
        }  # fmt: skip
        d = cls.dn
        s.add_group(
            "Kakunin-Reviewers",
            [
                d["tanaka"],
                d["sato"],
                d["yamada"],
                d["yamada2"],
                d["vendorish"],
                d["double"],
                d["nomail"],
            ],
        )
        s.add_group("Kakunin-Department", [d["suzuki"], d["alice.k"]])
        s.add_group("Kakunin-Admins", [d["double"]])
        s.add_group("Kakunin-Auditors", [])
        s.add_group(
            "Dept-Joho",
            [
                d["tanaka"],
                d["sato"],
                d["yamada"],
                d["yamada2"],
                d["vendorish"],
                d["double"],
                d["nomail"],
            ],
        )
        s.add_group("Dept-Kodomo", [d["suzuki"], d["alice.k"]])
        s.add_group("Dept-Zeimu", [])
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        s = cls.slapd
        cls.chiyoda = Municipality.default()
        cls.directory = ldap_directory(
            s,
            cls.chiyoda,
            break_glass=cls.adam,
            department_groups={
                s.group_dn("Dept-Joho"): cls.security.pk,
                s.group_dn("Dept-Kodomo"): cls.kodomo.pk,
                s.group_dn("Dept-Zeimu"): cls.zeimu.pk,
            },
        )

    def sign_in(self, login: str, password: str = PASSWORD, client=None):
        client = client or self.client
        return client.post(reverse("account_login"), {"login": login, "password": password})

    def signed_in_as(self, client=None):
        return (client or self.client).session.get("_auth_user_id")
