import datetime

from django.core.cache import caches
from django.test import SimpleTestCase, override_settings
from huey import crontab

from kakunin.core.queue import RedisHuey

REDIS = "redis://127.0.0.1:6379/14"  # a database of the machine's Redis, emptied here
SHARED_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": REDIS}}  # fmt: skip


def worker(ran: list) -> RedisHuey:
    """One consumer's huey, as each worker (or machine) has its own: same queue name."""
    huey = RedisHuey("kakunin-test-once", url=REDIS)

    @huey.periodic_task(crontab(minute="*"), name="nightly")
    def nightly():
        ran.append(1)

    return huey


@override_settings(CACHES=SHARED_CACHE)
class PeriodicOnceTestCase(SimpleTestCase):
    def setUp(self):
        caches["default"].clear()
        self.addCleanup(caches["default"].clear)

    def test_two_workers_enqueue_a_periodic_job_once_per_minute(self):
        ran: list = []
        first, second = worker(ran), worker(ran)
        first.flush()
        self.addCleanup(first.flush)
        minute = datetime.datetime(2026, 12, 2, 2, 30)
        for huey in (first, second):
            for task in huey.read_periodic(minute):
                huey.enqueue(task)
        self.assertEqual(len(first), 1)  # one job in the shared queue, not two
        # The next minute is claimed by whichever is still running (the first has died).
        later = [t.name for t in second.read_periodic(minute + datetime.timedelta(minutes=1))]
        self.assertEqual(later, ["nightly"])
        self.assertEqual(first.read_periodic(minute + datetime.timedelta(minutes=1)), [])
