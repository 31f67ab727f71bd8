"""Issue 23.6: the checks of one scan share one HTTP session, and run side by side. A
cookie one check receives (the active checks log in and out) must never ride along
with another check's requests: the admin paths' probe once saw a logged-in 404 as its
"not found" and a logged-out login page on /admin/login/, and reported a false 要確認."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import SimpleTestCase, override_settings

from kakunin.scans.http import Session
from kakunin.scans.safety import Clock, Limits


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.headers.get("Cookie") or "").encode()
        self.send_response(200)
        if self.path == "/login":
            self.send_header("Set-Cookie", "sessionid=logged-in; Path=/; HttpOnly")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@override_settings(SCAN_ALLOW_LOOPBACK=True)
class SharedSessionTestCase(SimpleTestCase):
    def setUp(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.session = Session(Clock(Limits.from_settings()), {"127.0.0.1"}, 1024)
        self.addCleanup(self.session.close)

    def test_a_cookie_set_for_one_check_is_not_sent_by_the_others(self):
        logged_in = self.session.get(f"{self.base}/login")
        self.assertEqual(logged_in.status, 200)
        self.assertIn("sessionid=logged-in", logged_in.header("set-cookie"))
        self.assertEqual(self.session.get(f"{self.base}/admin/login/").body, b"")

    def test_a_check_still_sends_the_cookies_it_keeps_itself(self):
        sent = self.session.get(f"{self.base}/echo", cookies={"sessionid": "mine"})
        self.assertEqual(sent.body, b"sessionid=mine")
        self.assertEqual(self.session.get(f"{self.base}/echo").body, b"")
