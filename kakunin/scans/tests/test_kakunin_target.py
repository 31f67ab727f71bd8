"""Kakunin itself as the web application under test: a login form, a session
cookie, a logout. Items 42②, 47, 48, 58① passively; 43, 45, 50 actively, under
a recorded authorisation."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.test import LiveServerTestCase, override_settings
from django.utils import timezone

from kakunin.accounts.models import Role
from kakunin.scans import engine
from kakunin.scans.models import Authorisation, ScanTarget
from kakunin.scans.policy import Outcome
from testsupport.fixtures import PASSWORD, create_world, make_user
from testsupport.servers import one_request_at_a_time

P, F, U = Outcome.PASS, Outcome.FAIL, Outcome.UNKNOWN


class KakuninAsTarget(LiveServerTestCase):
    static_handler = one_request_at_a_time(LiveServerTestCase.static_handler)

    def setUp(self):
        create_world(self)
        self.account = make_user("scan-test", Role.VENDOR, self.alpha)
        self.login_url = f"{self.live_server_url}/auth/login/"
        self.target = ScanTarget.objects.create(
            system=self.system, url=self.login_url, created_by=self.alice
        )

    def authorise(self, **kwargs) -> Authorisation:
        now = timezone.now()
        values = {
            "system": self.system,
            "authorised_by": "子ども支援課長 千代田花子",
            "valid_from": now - timedelta(hours=1),
            "valid_until": now + timedelta(hours=1),
            "login_url": self.login_url,
            "username": "scan-test",
            "password": PASSWORD,
            "recorded_by": self.rita,
        } | kwargs
        auth = Authorisation.objects.create(**values)
        auth.targets.add(self.target)
        return auth

    def scan(self, auth=None) -> engine.Report:
        port = int(self.live_server_url.rsplit(":", 1)[1])
        permission = auth.permission() if auth else None
        return engine.run(
            engine.Target(self.login_url), scan_ports=[port], authorisation=permission
        )

    def explain(self, report, item):
        return " / ".join(
            f"[{f.verdict.label}] {f.summary.ja}" for f in report.findings if f.control == item
        )

    def test_passive_checks_of_the_login_page(self):
        report = self.scan()
        verdicts = report.verdicts()
        for item in (
            "password-masking",
            "session-id-transport",
            "cookie-flags",
            "secrets-in-url",
            "xss",
            "clickjacking",
        ):
            self.assertEqual(verdicts[item], P, f"{item}: {self.explain(report, item)}")
        # Django's own test server says what it is; in production nginx answers (test_deploy_tls).
        self.assertEqual(verdicts["version-hiding"], F)
        self.assertIn("server: WSGIServer/0.2", self.explain(report, "version-hiding"))

        self.assertIn("type=password", self.explain(report, "password-masking"))
        self.assertIn("csrftoken", self.explain(report, "cookie-flags"))
        # Plain HTTP (the test server): item 59 fails, and active checks did not run.
        self.assertEqual(verdicts["https"], F)
        self.assertNotIn("account-lockout", verdicts)

    def test_active_checks_under_an_authorisation(self):
        report = self.scan(self.authorise())
        verdicts = report.verdicts()
        # The active checks' login does not leak into the passive ones (issue 23.6):
        # Kakunin has no admin path that answers.
        for item in (
            "login-error-message",
            "account-lockout",
            "session-termination",
            "admin-interface-restriction",
        ):
            self.assertEqual(verdicts[item], P, f"{item}: {self.explain(report, item)}")
        # The lockout really happened: the test account is now locked out.
        self.assertTrue(
            AccessAttempt.objects.filter(
                username="scan-test", failures_since_start__gte=10
            ).exists()
        )
        response = self.client.post("/auth/login/", {"login": "scan-test", "password": PASSWORD})
        self.assertEqual(response.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    @override_settings(AXES_ENABLED=False)
    def test_without_lockout_item_45_fails(self):
        report = self.scan(self.authorise())
        self.assertEqual(
            report.verdicts()["account-lockout"], F, self.explain(report, "account-lockout")
        )
        self.assertIn("10 回失敗した後も", self.explain(report, "account-lockout"))

    def test_active_checks_refuse_outside_the_window_or_target(self):
        expired = self.authorise(
            valid_from=timezone.now() - timedelta(days=2),
            valid_until=timezone.now() - timedelta(days=1),
        )
        report = self.scan(expired)
        for item in ("login-error-message", "account-lockout", "session-termination"):
            self.assertEqual(report.verdicts()[item], U)
        self.assertIn("許可がない", self.explain(report, "account-lockout"))
        self.assertFalse(AccessAttempt.objects.exists())  # not one login was tried
        other = self.authorise()
        other.targets.set(
            [
                ScanTarget.objects.create(
                    system=self.system, url="https://other.example/", created_by=self.alice
                )
            ]
        )
        report = self.scan(other)
        self.assertEqual(report.verdicts()["account-lockout"], U)
        self.assertFalse(AccessAttempt.objects.exists())
        revoked = self.authorise(revoked_at=timezone.now())
        self.assertEqual(self.scan(revoked).verdicts()["session-termination"], U)
        self.assertFalse(AccessAttempt.objects.exists())
