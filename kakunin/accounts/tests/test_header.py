"""The site header: rendered once for each distinct content and kept in the process
(accounts/context_processors.py), with this request's CSRF token and address."""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kakunin.notifications.models import Notification
from testsupport.fixtures import BaseTestCase

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


class HeaderTestCase(BaseTestCase):
    def header(self, client=None, path="/systems/") -> str:
        html = (client or self.client).get(path).content.decode()
        return html[html.index('<header class="site-header">') : html.index("</header>")]

    def test_each_person_sees_their_own_name_role_menu_and_count(self):
        self.client.force_login(self.alice)
        alice = self.header()
        self.assertIn("Alice（所管課担当）", alice)
        self.assertNotIn(reverse("accounts:users"), alice)
        self.client.force_login(self.adam)
        adam = self.header()
        self.assertIn("Adam（システム管理者）", adam)
        self.assertIn(reverse("accounts:users"), adam)
        self.assertNotIn("Alice", adam)
        # What changes shows at once, though the header is kept.
        self.client.force_login(self.alice)
        self.alice.full_name = "千代田 花子"
        self.alice.save()
        Notification.objects.create(user=self.alice, kind="approved", subject="x", body="x")
        alice = self.header()
        self.assertIn("千代田 花子（所管課担当）", alice)
        self.assertIn('<span class="badge count">1</span>', alice)

    def test_the_header_follows_the_persons_language(self):
        self.alice.language = "en"
        self.alice.save()
        self.client.force_login(self.alice)
        self.header()  # kept in Japanese too, for another person
        self.client.force_login(self.bob)
        self.assertIn("お知らせ", self.header())
        self.client.force_login(self.alice)
        english = self.header()
        self.assertIn("Notifications", english)
        self.assertNotIn("お知らせ", english)

    def test_each_page_carries_its_own_working_token_and_its_own_address(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        first = TOKEN.findall(self.header(client))
        second = TOKEN.findall(self.header(client, '/systems/?q="><script>x</script>'))
        self.assertEqual(len(first), 2)  # log out, and the language
        self.assertNotEqual(first[0], second[0])
        # The address as the page's own template would write it: escaped.
        header = self.header(client, "/systems/?a=1&b='x'")
        self.assertIn('name="next" type="hidden" value="/systems/?a=1&amp;b=&#x27;x&#x27;"', header)
        self.assertNotIn("{header-", header)
        # The token in the kept header is good for the form it is in.
        r = client.post(
            reverse("set_language"),
            {"csrfmiddlewaretoken": second[1], "language": "en", "next": "/systems/"},
        )
        self.assertEqual(r.status_code, 302)
        self.assertIn("Notifications", self.header(client))

    def test_a_fragment_for_htmx_asks_nothing_for_the_header(self):
        """An answer saved as one types: its reply counts no notifications."""
        self.client.force_login(self.bob)
        key = "pw-composition"
        url = reverse("assessments:save_item", args=[self.assessment.pk, key])
        data = {f"{key}-status": "done", f"{key}-text": "英大文字・小文字・数字を必須",
                f"{key}-version": self.answer(key).version}  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            r = self.client.post(url, data, headers={"HX-Request": "true"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.answer(key).text, "英大文字・小文字・数字を必須")
        self.assertNotIn("site-header", r.content.decode())
        self.assertFalse([q["sql"] for q in queries if "notifications_notification" in q["sql"]])
