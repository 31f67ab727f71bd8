"""The answer library through the API: the company's tokens read and write it (a change
is a new version with If-Match, a draft until approved); any other token gets 404; a
read-only token writes nothing; bad input is a 400 naming the field, nothing saved."""

from django.urls import reverse

from kakunin.api import actions
from kakunin.api.tests.base import ApiTestCase
from kakunin.library.models import Entry, EntryRevision, Product
from kakunin.tenants.active import activated
from kakunin.tenants.models import Municipality
from testsupport.fixtures import make_library, make_user


def saved():
    return (list(Product.objects.values_list("pk", "name")),
            list(Entry.objects.values_list("pk", "version", "state", "text", "condition")),
            EntryRevision.objects.count())  # fmt: skip


class LibraryApiTestCase(ApiTestCase):
    def setUp(self):
        super().setUp()
        self.product, self.entry, _kept = make_library(self.bob)

    def test_the_companys_token_reads_and_writes_the_library(self):
        r = self.call("bob", "get", reverse("api:library_products"))
        self.assertEqual([p["name"] for p in r.json()], ["施設予約クラウド"])
        url = reverse("api:library_entries", args=[self.product.pk])
        r = self.call("bella", "post", url, {"control": "mfa", "status": "done", "text": "TOTP"})
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual((r.json()["control"], r.json()["state"]), ("mfa", "draft"))
        entry = reverse("api:library_entry", args=[self.entry.pk])
        r = self.call("bob", "get", entry)
        self.assertEqual(r["ETag"], f'"entry-{self.entry.pk}-1"')
        r = self.call("bob", "patch", entry, {"text": "TLS1.3のみ"}, **{"If-Match": r["ETag"]})
        self.assertEqual(
            (r.json()["version"], r.json()["state"], r.json()["text"]), (2, "draft", "TLS1.3のみ")
        )
        self.assertEqual(
            self.call(
                "bob", "patch", entry, {"text": "x"}, **{"If-Match": '"entry-1-1"'}
            ).status_code,
            412,
        )
        self.assertEqual(self.call("bob", "patch", entry, {"text": "x"}).status_code, 428)
        bob = self.bob
        bob.manages_organisation = True
        bob.save()
        r = self.call("bob", "post", reverse("api:library_approve", args=[self.product.pk]))
        self.assertEqual(r.json(), {"approved": 2})

    def test_no_other_token_reaches_it(self):
        for persona in ("charlie", "alice", "rita", "adam", "audrey"):
            for url in (reverse("api:library_product", args=[self.product.pk]),
                        reverse("api:library_entries", args=[self.product.pk]),
                        reverse("api:library_entry", args=[self.entry.pk])):  # fmt: skip
                self.assertEqual(self.call(persona, "get", url).status_code, 404, (persona, url))
        r = self.call("charlie", "get", reverse("api:library_products"))
        self.assertEqual(r.json(), [], "the other company: its own library, empty")
        mori = make_user(
            "mori", "reviewer", municipality=Municipality.objects.create(code="131032", name="港区")
        )
        with activated(mori.municipality):
            _t, secret = actions.issue_token(
                actor=mori, user=mori, name="t", days=1, read_only=True, with_totp=True
            )
        self.secrets["mori"] = secret
        self.assertEqual(self.call("mori", "get", reverse("api:library_products")).status_code, 404)

    def test_a_read_only_token_writes_nothing(self):
        _t, secret = actions.issue_token(
            actor=self.bob, user=self.bob, name="ro", days=1, read_only=True, with_totp=False
        )
        self.secrets["reader"] = secret
        before = saved()
        url = reverse("api:library_entries", args=[self.product.pk])
        r = self.call("reader", "post", url, {"control": "mfa", "status": "done", "text": "TOTP"})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.call("reader", "get", url).status_code, 200)
        self.assertEqual(saved(), before)

    def test_bad_input_is_refused_by_field_and_nothing_saved(self):
        before = saved()
        url = reverse("api:library_entries", args=[self.product.pk])
        cases = [
            ({"control": "mfa", "status": "done", "text": "x", "conditional": True}, "condition"),
            (
                {
                    "control": "mfa",
                    "status": "done",
                    "text": "x",
                    "conditional": True,
                    "condition": "  ",
                },
                "condition",
            ),
            ({"control": "no-such-control", "status": "done", "text": "x"}, "control"),
            ({"control": "mfa", "status": "ward", "text": "x"}, "status"),
            ({"control": "mfa", "status": "done", "text": "x\u202e"}, "text"),
            ({"control": "mfa", "status": "done"}, "text"),
            ({"control": "mfa", "status": "done", "text": "x", "colour": "red"}, "colour"),
        ]
        for body, field in cases:
            r = self.call("bob", "post", url, body)
            self.assertEqual(r.status_code, 400, (body, r.content))
            self.assertIn(field, r.content.decode(), body)
        r = self.call("bob", "post", reverse("api:library_products"), {"name": "施設予約クラウド"})
        self.assertEqual(r.status_code, 409)
        self.assertIn("既に登録されています", r.content.decode())
        self.assertEqual(saved(), before)
