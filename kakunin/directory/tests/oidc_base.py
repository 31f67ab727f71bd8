"""港区 signing its staff in through a real OpenID Connect provider (a test project
of django-oauth-toolkit's, over TLS), with its own settings beside 千代田区's."""

from urllib.parse import urljoin, urlsplit

import requests
from django.urls import reverse

from kakunin.accounts.models import Role
from kakunin.directory.models import Directory
from testsupport.fixtures import BaseTestCase, create_second_municipality, make_user
from testsupport.oidc_server import OidcProvider

CLIENT_ID, CLIENT_SECRET = "kakunin-minato", "Client-Secret-2026-minato"
PEOPLE = {
    "kato": {"password": "Idp-Pw-2026", "sub": "s-100", "name": "加藤 三郎", "email": "kato@city.minato.test",
             "groups": ["kakunin-reviewers", "joho"]},
    "ito": {"password": "Idp-Pw-2026", "sub": "s-200", "name": "伊藤 四郎", "email": "ito@city.minato.test",
            "groups": ["kakunin-department", "kodomo"]},
    "vendorish": {"password": "Idp-Pw-2026", "sub": "s-300", "name": "業者", "email": "bob@example.org",
                  "groups": ["kakunin-reviewers", "joho"]},
}  # fmt: skip


def oidc_directory(
    provider: OidcProvider, municipality, departments: dict, break_glass, **extra
) -> Directory:
    return Directory.objects.create(
        municipality=municipality,
        kind=Directory.Kind.OIDC,
        enabled=True,
        domain="minato.test",
        issuer=provider.issuer,
        ca_certificate=provider.ca,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        role_groups={"reviewer": ["kakunin-reviewers"], "department": ["kakunin-department"]},
        department_groups=departments,
        require_totp=False,
        break_glass=break_glass,
        **extra,
    )


class OidcTestCase(BaseTestCase):
    provider: OidcProvider
    callback_base = "http://testserver"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        callback = f"{cls.callback_base}/auth/oidc/m131032/login/callback/"
        cls.provider = OidcProvider(CLIENT_ID, CLIENT_SECRET, [callback])
        cls.addClassCleanup(cls.provider.close)
        cls.provider.people(PEOPLE)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        create_second_municipality(cls)
        cls.mado = make_user("mado", Role.ADMIN, cls.minato_it)

    def setUp(self):
        super().setUp()
        self.provider.fault("")
        self.directory = oidc_directory(
            self.provider,
            self.minato,
            {"joho": self.minato_it.pk, "kodomo": self.minato_dept.pk},
            self.mado,
        )

    def at_provider(self, start: str, username: str, password: str = "Idp-Pw-2026") -> str:
        """The person signs in at the provider: returns where it sends them back."""
        idp = requests.Session()
        idp.verify, idp.trust_env = str(self.provider.authority.path), False
        r = idp.get(start, allow_redirects=False)
        login = urljoin(start, r.headers["Location"])
        idp.get(login)
        r = idp.post(
            login,
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": idp.cookies["csrftoken"],
                "next": dict(p.split("=", 1) for p in urlsplit(login).query.split("&"))["next"],
            },
            headers={"Referer": login},
            allow_redirects=False,
        )
        r = idp.get(
            urljoin(start, requests.utils.unquote(r.headers["Location"])), allow_redirects=False
        )
        return r.headers["Location"]

    def oidc_sign_in(self, username: str, client=None):
        client = client or self.client
        r = client.post("/auth/oidc/m131032/login/", {"process": "login"})
        back = self.at_provider(r["Location"], username)
        parts = urlsplit(back)
        return client.get(f"{parts.path}?{parts.query}"), f"{parts.path}?{parts.query}"

    def start_page(self):
        return reverse("directory:oidc_start", args=[self.minato.code])
