"""Work that stands while nothing has changed: the dashboard's counts over hundreds
of systems, kept in the cache under the audit chain's head.

Every change in Kakunin records its event in the transaction that makes it
(trail.py), so the head moves, in the same commit, with every answer, record,
report, scan and import: a value kept under one head is never served after a change.
The day and the language are part of the key too (what is overdue moves with the
date; the words with the reader), and the entry expires after `timeout` anyway.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Max, Subquery
from django.utils import timezone, translation

from kakunin.audit.models import ChainHead
from kakunin.core.kept import kept
from kakunin.tenants import active

T = TypeVar("T")


def current() -> str:
    """The chain's head as one short string: its length and its hash (a restored
    database with as many events still has another head)."""
    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return f"{head[0]}-{head[1][:16]}" if head else "0"


def others() -> str:
    """The chain's head as of the newest change other than an answer edit or a read
    (trail.QUIET): for a page that adds its own answers' state to the key, so that
    one vendor typing does not throw away every other page kept."""
    return short(ChainHead.objects.filter(pk=1).values_list("others_hash", flat=True).first())


# others() inside a page's own aggregate query (one round trip less): the value is
# the same for every row, so Max() only carries it out.
OTHERS = Max(Subquery(ChainHead.objects.filter(pk=1).values("others_hash")[:1]))


def short(others_hash: str | None) -> str:
    return others_hash[:16] if others_hash else "0"


# What this process kept last, in front of the shared cache: a key names one state
# of the data, so a value kept here is never out of date either, and a page read
# again skips the shared cache's round trip and the unpickling of its ~120 KB.
_local = kept(64)


def cached(stamp: str, parts: tuple, compute: Callable[[], T], timeout: int = 600) -> T:
    """compute(), or what it gave under the same head, day, language, municipality and
    `parts` (who asks, and with which filter: a user's view depends on what they may
    see). A value kept in one municipality is never served in another."""
    municipality = active.current()
    where = municipality.pk if municipality is not None else 0
    key_text = repr((stamp, timezone.localdate(), translation.get_language(), where, parts))
    key = "stamp:" + hashlib.sha256(key_text.encode()).hexdigest()
    value = _local.get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    _local.put(key, value, timeout)
    return value
