import re

from kakunin.notifications.models import OutgoingMail
from kakunin.systems.actions import invite
from testsupport.browser import BrowserTestCase


class InvitationLinkBrowserTestCase(BrowserTestCase):
    def test_the_code_reaches_the_server_in_a_post_body_only(self):
        """Access logs (nginx, gunicorn) hold request lines: the code must never be in one."""
        with self.settings(SITE_URL=self.live_server_url):
            invite(actor=self.alice, system=self.system, organisation=self.alpha,
                   full_name="佐藤 花子", email="hanako@alpha.example")  # fmt: skip
        # The mail waits in the outbox (its sending runs after a commit the test never makes).
        body = OutgoingMail.objects.get().body
        link = re.search(r"http://\S+/invite/#(\S+)", body)
        code = link.group(1)
        requests, address_bar = [], []

        def posting(route):
            if route.request.method == "POST":
                address_bar.append(self.page.url)  # what the address bar shows meanwhile
            route.continue_()

        self.page.route("**/invite/", posting)
        self.page.on("request", lambda r: requests.append((r.method, r.url, r.post_data or "")))
        self.page.goto(link.group(0))
        self.page.wait_for_url(lambda url: url.endswith("/invite/accept/"))
        self.assertIn("佐藤 花子", self.page.locator("main").inner_text())
        self.assertEqual([url for _m, url, _b in requests if code in url], [])
        self.assertTrue(any(m == "POST" and code in b for m, _u, b in requests))
        # The script took the code out of the address bar (and so the history) first.
        self.assertEqual(len(address_bar), 1)
        self.assertNotIn(code, address_bar[0])
