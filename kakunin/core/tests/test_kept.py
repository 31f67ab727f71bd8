"""Values kept in the process under keys that name their content (core/kept.py), and
the kept pages in front of the shared cache (audit/stamp.py)."""

from django.core.cache import cache
from django.test import SimpleTestCase, TestCase

from kakunin.audit import stamp
from kakunin.core import kept


class KeptTestCase(SimpleTestCase):
    def test_the_newest_are_kept_and_the_oldest_make_way(self):
        store = kept.Kept(2)
        store.put("a", 1)
        store.put("b", 2)
        self.assertEqual(store.get("a"), 1)  # "a" is now the newest read
        store.put("c", 3)
        self.assertIsNone(store.get("b"))
        self.assertEqual((store.get("a"), store.get("c")), (1, 3))

    def test_an_expired_value_is_not_given(self):
        store = kept.Kept(2)
        store.put("a", 1, seconds=0)
        self.assertIsNone(store.get("a"))

    def test_forget_empties_every_store(self):
        store = kept.kept(2)
        store.put("a", 1)
        kept.forget()
        self.assertIsNone(store.get("a"))


class StampTestCase(TestCase):
    def test_a_page_kept_in_the_process_is_served_without_the_shared_cache(self):
        computed = []

        def compute():
            computed.append(1)
            return f"value {len(computed)}"

        self.assertEqual(stamp.cached("head-1", ("x",), compute), "value 1")
        cache.clear()  # the shared cache has lost it; this process still has it
        self.assertEqual(stamp.cached("head-1", ("x",), compute), "value 1")
        self.assertEqual(len(computed), 1)
        # Another head (a change) or another reader: computed afresh.
        self.assertEqual(stamp.cached("head-2", ("x",), compute), "value 2")
        self.assertEqual(stamp.cached("head-2", ("y",), compute), "value 3")
        # Another process (the shared cache only) finds what this one computed.
        kept.forget()
        self.assertEqual(stamp.cached("head-2", ("y",), compute), "value 3")
        self.assertEqual(len(computed), 3)
