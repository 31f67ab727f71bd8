"""The audit trail through the API."""

from django.urls import reverse

from kakunin.api.tests.base import ApiTestCase
from kakunin.audit.models import Event
from kakunin.audit.trail import record
from kakunin.tenants.active import activated
from kakunin.tenants.models import Municipality


class AuditTrailTestCase(ApiTestCase):
    def test_auditors_page_through_the_trail_newest_first_with_its_hashes(self):
        url = reverse("api:events")
        r = self.call("audrey", "get", url)
        self.assertEqual(r.status_code, 200)
        events = r.json()["results"]
        seqs = [e["seq"] for e in events]
        self.assertEqual(seqs, sorted(seqs, reverse=True))
        mine = Event.objects.filter(municipality=Municipality.default())
        newest = mine.order_by("-seq").first()
        self.assertEqual(
            (events[0]["hash"], events[0]["prev_hash"]), (newest.hash, newest.prev_hash)
        )
        r = self.call("audrey", "get", url + "?action=api_token.create")
        self.assertEqual({e["action"] for e in r.json()["results"]}, {"api_token.create"})
        self.assertEqual(len(r.json()["results"]), mine.filter(action="api_token.create").count())
        r = self.call("audrey", "get", url + "?since=tomorrow")
        self.assertEqual(r.status_code, 400)
        self.assertIn("since", r.json()["errors"])
        self.assertEqual(self.call("audrey", "post", url, {}).status_code, 405)


class AnotherMunicipalitysTrailTestCase(ApiTestCase):
    def test_the_trail_is_the_tokens_municipalitys_only(self):
        """It once listed every municipality's events, and the service's own."""
        minato = Municipality.objects.create(code="131032", name="港区")
        with activated(minato):
            record("data.view", label="港区の出来事")
        with activated(None):
            record("data.view", label="サービスの出来事")
        r = self.call("audrey", "get", reverse("api:events") + "?action=data.view")
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("港区の出来事", r.content.decode())
        self.assertNotIn("サービスの出来事", r.content.decode())
