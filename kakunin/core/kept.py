"""Values kept in this process, the newest `size` of them, for keys that name their
content (a chain head, or every input of a fragment): such a key is never out of
date, so nothing invalidates an entry; it only ages out, or makes way for newer ones.
Callers never change what they are given, since it is shared between requests."""

import threading
import time
from collections import OrderedDict
from typing import Any


class Kept:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> Any | None:
        """What is kept under `key` and not yet expired, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= time.monotonic():
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, value, seconds: float = float("inf")) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Every Kept of the process, for tests that start afresh (conftest.py).
everything: list[Kept] = []


def kept(size: int) -> Kept:
    store = Kept(size)
    everything.append(store)
    return store


def forget() -> None:
    for store in everything:
        store.clear()
