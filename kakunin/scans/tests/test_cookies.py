"""Item 48's summary names the flags each cookie really has (it once reported
「Secure・HttpOnly・SameSite」 for a cookie without Secure)."""

from types import SimpleNamespace

from django.test import SimpleTestCase
from django.utils import translation

from kakunin.scans.crawl import Page
from kakunin.scans.http import Response
from kakunin.scans.policy import Outcome
from kakunin.scans.scanners.pages import _cookies


def context(https: bool, *cookies: str):
    response = Response("GET", "http://www.example.lg.jp/", 200,
                        [("Set-Cookie", c) for c in cookies])  # fmt: skip
    return SimpleNamespace(https=https, pages=[Page(response.url, response, [], [], 0)])


class CookieFlagsTestCase(SimpleTestCase):
    def test_a_cookie_without_secure_over_plain_http_is_not_said_to_have_it(self):
        finding = _cookies(context(False, "sessionid=x; HttpOnly; SameSite=Lax"), [])
        self.assertEqual(finding.verdict, Outcome.PASS)
        self.assertIn("sessionid（HttpOnly・SameSite）", finding.summary.ja)
        self.assertNotIn("Secure・HttpOnly", finding.summary.ja)
        self.assertIn("HTTP のため Secure は求めていません", finding.summary.ja)

    def test_each_cookie_lists_its_own_flags(self):
        finding = _cookies(
            context(True, "sessionid=x; Secure; HttpOnly; SameSite=Lax",
                    "csrftoken=y; Secure; SameSite=Lax; HttpOnly"),
            [],
        )  # fmt: skip
        self.assertEqual(finding.verdict, Outcome.PASS)
        self.assertIn("sessionid（Secure・HttpOnly・SameSite）", finding.summary.ja)

    def test_over_https_a_missing_secure_fails_and_is_named(self):
        finding = _cookies(context(True, "sessionid=x; HttpOnly; SameSite=Lax"), [])
        self.assertEqual(finding.verdict, Outcome.FAIL)
        self.assertIn("sessionid: Secure なし", finding.summary.ja)

    def test_the_summary_reads_in_the_readers_language(self):
        finding = _cookies(context(True, "sessionid=x; HttpOnly; SameSite=Lax"), [])
        with translation.override("en"):
            self.assertIn("sessionid: no Secure", str(finding.summary))
