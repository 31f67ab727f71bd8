from io import StringIO
from itertools import pairwise

from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import TestCase

from kakunin.accounts.models import Organisation
from kakunin.audit.models import AppendOnlyError, ChainHead, Event
from kakunin.audit.trail import record
from kakunin.audit.verify import verify


class ChainTestCase(TestCase):
    def setUp(self):
        self.org = Organisation.objects.create(name="課", kind="ward")
        for i in range(5):
            record("test.event", self.org, changes={"n": [i, i + 1], "text": ["前", "後"]})

    def raw(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def test_each_event_holds_the_hash_of_the_one_before(self):
        events = list(Event.objects.order_by("seq"))
        self.assertEqual([e.seq for e in events], [1, 2, 3, 4, 5])
        self.assertEqual(events[0].prev_hash, "0" * 64)
        for before, after in pairwise(events):
            self.assertEqual(after.prev_hash, before.hash)
        self.assertEqual(verify(), (5, None))
        out = StringIO()
        call_command("audit_verify", stdout=out)
        self.assertIn("5 件を検証", out.getvalue())

    def test_it_names_the_first_changed_event(self):
        self.raw("UPDATE audit_event SET object_label = %s WHERE seq = 3", ["改ざん"])
        checked, broken = verify()
        self.assertEqual((checked, broken.seq), (2, 3))
        with self.assertRaisesMessage(CommandError, "イベント #3"):
            call_command("audit_verify")

    def test_it_notices_a_removed_event(self):
        self.raw("DELETE FROM audit_event WHERE seq = 2", [])
        self.assertEqual(verify()[1].seq, 2)

    def test_it_notices_removed_newest_events(self):
        self.raw("DELETE FROM audit_event WHERE seq = 5", [])
        self.assertEqual(verify()[1].seq, 5)

    def test_it_notices_a_rewritten_chain_that_kept_its_links(self):
        # Change an event and recompute its hash: the next event's prev_hash no longer fits.
        event = Event.objects.get(seq=4)
        event.changes = {"n": [0, 0]}
        self.raw(
            "UPDATE audit_event SET changes = %s, hash = %s WHERE seq = 4",
            ['{"n": [0, 0]}', event.compute_hash()],
        )
        self.assertEqual(verify()[1].seq, 5)

    def test_events_cannot_be_changed_or_deleted_through_the_orm(self):
        event = Event.objects.first()
        with self.assertRaises(AppendOnlyError):
            event.save()
        with self.assertRaises(AppendOnlyError):
            event.delete()
        with self.assertRaises(AppendOnlyError):
            Event.objects.update(action="x")
        with self.assertRaises(AppendOnlyError):
            Event.objects.all().delete()

    def test_an_event_rolls_back_with_its_change(self):
        try:
            with transaction.atomic():
                Organisation.objects.create(name="消える課", kind="ward")
                record("organisation.create", label="消える課")
                raise RuntimeError
        except RuntimeError:
            pass
        self.assertFalse(Event.objects.filter(object_label="消える課").exists())
        self.assertEqual(ChainHead.objects.get().seq, 5)
        self.assertEqual(verify(), (5, None))
