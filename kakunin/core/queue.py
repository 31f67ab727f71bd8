"""The job queue's classes (settings.HUEY): huey's own, except that a periodic job
runs once per time it is due, however many workers there are.

Every huey consumer runs a scheduler that enqueues the periodic jobs due this
minute: with two workers (or two machines) on one Redis queue, each nightly backup
and each reminder would run twice. Each scheduler here first claims the job's
minute in the cache (an atomic add: Redis `SET NX` when CACHE_URL points at Redis,
as it must for several workers); the one that gets it enqueues the job, the others
leave it. A worker that dies takes nothing with it: the next minute is claimed by
whichever scheduler is still running.
"""

import logging

from django.core.cache import cache
from huey import RedisHuey as _RedisHuey
from huey import SqliteHuey as _SqliteHuey

log = logging.getLogger(__name__)

CLAIM_SECONDS = 3600  # far longer than two schedulers' clocks can differ


class OncePeriodic:
    name: str

    def read_periodic(self, timestamp):
        due = super().read_periodic(timestamp)  # type: ignore[misc]
        when = timestamp or self._get_timestamp()  # type: ignore[attr-defined]
        slot = when.strftime("%Y-%m-%dT%H:%M")
        claimed = []
        for task in due:
            if cache.add(f"huey:periodic:{self.name}:{task.name}:{slot}", 1, CLAIM_SECONDS):
                claimed.append(task)
            else:
                log.info("periodic %s at %s: enqueued by another worker", task.name, slot)
        return claimed


class RedisHuey(OncePeriodic, _RedisHuey):
    pass


class SqliteHuey(OncePeriodic, _SqliteHuey):
    pass
