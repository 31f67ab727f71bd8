"""Browser tests: Playwright driving Debian's Chromium against a live test server.

Never `playwright install`: the browser is /usr/bin/chromium (installed by .ci/run).
Screenshots go to test-artifacts/screenshots/, which the test run keeps.
"""

import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.cache import cache
from playwright.sync_api import expect, sync_playwright

from testsupport.fixtures import PASSWORD, create_world, totp_code
from testsupport.servers import no_request_in_flight, one_request_at_a_time

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
# Chromium as root in a container, with no network beyond loopback.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
class BrowserTestCase(StaticLiveServerTestCase):
    static_handler = one_request_at_a_time(StaticLiveServerTestCase.static_handler)
    # Refusals a page is known to cause and that the CSP rightly makes (a third-party
    # bundle asking for something from outside): a test class names them, and why.
    allowed_csp_refusals: tuple[str, ...] = ()
    # A test's own servers over TLS with a throwaway CA (an OpenID Connect provider): the
    # browser takes them; Kakunin itself verifies them with the CA it is given.
    ignore_https_errors = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not Path(CHROMIUM).exists():
            raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def setUp(self):
        cache.clear()  # rate limits and used TOTP codes must not leak from one test to the next
        create_world(self)
        self.context = self.browser.new_context(
            locale="ja-JP",
            viewport={"width": 1280, "height": 900},
            ignore_https_errors=self.ignore_https_errors,
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        # Every page in every browser test runs under the real CSP: a violation fails the test.
        self.console_errors, self.page_errors = [], []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    def tearDown(self):
        self.context.close()
        violations = [
            e
            for e in self.console_errors
            if ("Content Security Policy" in e or "Refused to" in e)
            and not any(allowed in e for allowed in self.allowed_csp_refusals)
        ]
        self.assertEqual(violations, [], "CSP violations")
        # htmx logs a failed request as a console error: that is a page saying so, not a
        # fault. An exception nobody caught is.
        self.assertEqual(self.page_errors, [], "uncaught JavaScript errors")

    def _fixture_teardown(self):
        # The browser is closed; a request it sent last may still be running.
        with no_request_in_flight():
            super()._fixture_teardown()

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"

    def login(self, username: str, password: str = PASSWORD, wait: bool = True):
        self.page.goto(self.url("/auth/login/"))
        self.page.fill("#id_login", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        if wait:
            self.page.wait_for_url(lambda url: "/auth/" not in url)

    def login_reviewer(self, username: str = "rita"):
        """A reviewer's login: password, then the TOTP code (item 39)."""
        self.login(username, wait=False)
        expect(self.page, "the password step leads to the TOTP step").to_have_url(
            re.compile("/2fa/authenticate/"), timeout=10_000
        )
        self.page.fill("input[name=code]", self.fresh_code(username))
        self.page.click("button[type=submit]")
        expect(self.page, "the code is accepted").not_to_have_url(
            re.compile("/auth/"), timeout=10_000
        )

    def fresh_code(self, username: str = "rita") -> str:
        """The person's TOTP code, one not typed yet: a code is accepted once (replay
        protection), so a second use within the same 30-second window waits for the
        next code, as a person would."""
        secret = getattr(self, f"{username}_totp")
        # A code typed in the last seconds of its 30 reaches the server in the next
        # period, where it no longer counts (no tolerance): wait for the next, as a
        # person would when the authenticator's ring is about to turn.
        if 30 - time.time() % 30 < 3:
            time.sleep(30 - time.time() % 30 + 0.2)
        code = totp_code(secret)
        while code == getattr(self, "last_code", None):
            time.sleep(1)
            code = totp_code(secret)
        self.last_code = code
        return code

    def screenshot(self, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


AXE_VERSION = "4.11.4"
AXE_DIR = Path(settings.BASE_DIR) / "test-artifacts" / "axe"


def axe_script() -> Path:
    """axe-core from the npm registry, installed by the tests themselves (once)."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
        )
    return script


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page (JIS X 8341-3 AA ≈ WCAG 2 AA)."""
    page.add_script_tag(path=str(axe_script()))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
            return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", "));
        }"""
    )
    return result
