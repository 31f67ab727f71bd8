import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kakunin.assessments.models import Assessment, State
from kakunin.evidence.actions import add_evidence
from testsupport.fixtures import BaseTestCase, download_pdf, make_scan


class HeaderTestCase(BaseTestCase):
    def pages(self):
        self.client.force_login(self.alice)
        return [
            self.client.get(reverse("systems:index")),
            self.client.get(reverse("assessments:detail", args=[self.assessment.pk])),
            self.client.get("/systems/99999/"),
            self.client_class().get(reverse("account_login")),
        ]

    def test_every_response_carries_the_security_headers(self):
        for r in self.pages():
            with self.subTest(path=r.wsgi_request.path, status=r.status_code):
                self.assertEqual(r["X-Frame-Options"], "DENY")
                self.assertEqual(r["X-Content-Type-Options"], "nosniff")
                self.assertEqual(r["Referrer-Policy"], "same-origin")
                self.assertIn("charset=utf-8", r["Content-Type"])
                csp = r["Content-Security-Policy"]
                self.assertIn("frame-ancestors 'none'", csp)
                self.assertIn("default-src 'none'", csp)
                self.assertRegex(csp, r"script-src 'self'( 'nonce-[A-Za-z0-9+/=_-]+')?(;|$)")
                if "<script" in r.content.decode():
                    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
                    self.assertIn(f'nonce="{nonce}"', r.content.decode())
                self.assertNotIn("unsafe-inline", csp)
                self.assertNotIn("unsafe-eval", csp)

    def test_no_inline_script_or_style_in_our_pages(self):
        for r in self.pages():
            html = r.content.decode()
            with self.subTest(path=r.wsgi_request.path):
                self.assertIsNone(re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html))
                self.assertNotIn("<style", html)
                self.assertIsNone(re.search(r"\sstyle=", html))
                self.assertIsNone(re.search(r"\son[a-z]+=", html))

    def test_no_version_in_any_header(self):
        for r in self.pages():
            for name, value in r.items():
                with self.subTest(header=name):
                    self.assertNotIn(name.lower(), ("server", "x-powered-by"))
                    self.assertIsNone(re.search(r"django|python|\d+\.\d+\.\d+", value.lower()))

    @override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=31536000,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    )
    def test_hsts_over_https_and_a_redirect_from_http(self):
        r = self.client.get(reverse("account_login"))
        self.assertEqual(r.status_code, 301)
        self.assertTrue(r["Location"].startswith("https://"))
        r = self.client.get(reverse("account_login"), headers={"x-forwarded-proto": "https"})
        self.assertEqual(r["Strict-Transport-Security"], "max-age=31536000")


class StaticFilesTestCase(BaseTestCase):
    def test_no_directory_listing_and_no_dot_or_source_files(self):
        for path in ["/static/", "/static/css/", "/.git/HEAD", "/.env", "/static/.gitignore",
                     "/manage.py", "/kakunin/settings.py", "/static/../kakunin/settings.py",
                     "/var/kakunin.sqlite3", "/settings.py.bak"]:  # fmt: skip
            with self.subTest(path=path):
                r = self.client.get(path)
                self.assertIn(r.status_code, (404, 400))

    def test_static_files_are_served(self):
        r = self.client.get("/static/css/kakunin.css")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["X-Content-Type-Options"], "nosniff")


class NoStoreTestCase(BaseTestCase):
    """Nothing sensitive may stay in a shared PC's browser cache or a proxy's."""

    def test_each_kind_of_sensitive_response_is_no_store(self):
        a = self.assessment.pk
        evidence = add_evidence(
            actor=self.bob,
            answer=self.answer("pw-composition"),
            upload=SimpleUploadedFile("policy.txt", "規程".encode()),
        )
        scan = make_scan(self.system, {"tls-version": "pass"})
        Assessment.objects.filter(pk=a).update(state=State.APPROVED)
        self.client.force_login(self.rita)
        responses = {
            "dashboard": self.client.get(reverse("dashboards:home")),
            "assessment": self.client.get(reverse("assessments:detail", args=[a])),
            "excel": self.client.get(reverse("forms_xlsx:export", args=[a])),
            "pdf": download_pdf(self, reverse("reports:assessment_pdf", args=[a])),
            "scan json": self.client.get(reverse("scans:report", args=[scan.pk])),
            "audit csv": self.client.get(reverse("audit:export")),
            "evidence": self.client.get(reverse("evidence:download", args=[a, evidence.pk])),
            "login page": self.client_class().get(reverse("account_login")),
        }
        for kind, r in responses.items():
            with self.subTest(kind=kind):
                self.assertEqual(r.status_code, 200)
                self.assertIn("no-store", r["Cache-Control"])
                self.assertIn("private", r["Cache-Control"])

    def test_static_files_keep_their_cache(self):
        r = self.client.get("/static/css/kakunin.css")
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("no-store", r.get("Cache-Control", ""))
