"""The audit trail through the API."""

from django.urls import reverse

from kakunin.api.tests.base import PERSONAS, ApiTestCase
from kakunin.audit.models import Event


class AuditTrailTestCase(ApiTestCase):
    def test_auditors_page_through_the_trail_newest_first_with_its_hashes(self):
        url = reverse("api:events")
        r = self.call("audrey", "get", url)
        self.assertEqual(r.status_code, 200)
        events = r.json()["results"]
        seqs = [e["seq"] for e in events]
        self.assertEqual(seqs, sorted(seqs, reverse=True))
        newest = Event.objects.order_by("-seq").first()
        self.assertEqual(
            (events[0]["hash"], events[0]["prev_hash"]), (newest.hash, newest.prev_hash)
        )
        r = self.call("audrey", "get", url + "?action=api_token.create")
        self.assertEqual({e["action"] for e in r.json()["results"]}, {"api_token.create"})
        self.assertEqual(len(r.json()["results"]), len(PERSONAS) - 1)
        r = self.call("audrey", "get", url + "?since=tomorrow")
        self.assertEqual(r.status_code, 400)
        self.assertIn("since", r.json()["errors"])
        self.assertEqual(self.call("audrey", "post", url, {}).status_code, 405)
