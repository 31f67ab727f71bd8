"""The live server of the browser tests: one request at a time while its threads share
the test's SQLite connection, concurrent requests where each thread has its own."""

import threading
import time

from django.db import connection
from django.test import TestCase

from testsupport.servers import one_request_at_a_time


class Handler:
    """A WSGI handler that counts how many requests it runs at once."""

    lock = threading.Lock()
    now = most = 0

    def __call__(self, environ, start_response):
        with Handler.lock:
            Handler.now += 1
            Handler.most = max(Handler.most, Handler.now)
        time.sleep(0.2)
        with Handler.lock:
            Handler.now -= 1
        return [b"ok"]


class OneRequestAtATimeTestCase(TestCase):
    def test_requests_queue_only_while_the_connection_is_shared(self):
        Handler.now = Handler.most = 0
        handler = one_request_at_a_time(Handler)()
        threads = [threading.Thread(target=handler, args=({}, None)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
        self.assertEqual(Handler.most, 1 if shared else 4, connection.settings_dict["NAME"])
