"""The scanner against the real nginx (Debian's package, installed by .ci/run) on
loopback, in each configuration of testsupport/sites.py, with its verdicts asserted."""

import shutil
import socket
import threading

from django.test import SimpleTestCase, override_settings

from kakunin.scans import engine
from kakunin.scans.crawl import crawl
from kakunin.scans.http import Session
from kakunin.scans.policy import Outcome
from kakunin.scans.safety import Clock, Limits
from testsupport.servers import free_port
from testsupport.sites import farm_for, sites

P, F, R, U = Outcome.PASS, Outcome.FAIL, Outcome.REVIEW, Outcome.UNKNOWN


class NginxBase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        # The servers first: if they cannot start, nothing of the class is left open.
        cls.sites = farm_for(cls)
        super().setUpClass()
        cls.closed = free_port()

    def scan(self, name: str, **kwargs) -> engine.Report:
        site = self.sites[name]
        kwargs.setdefault("scan_ports", [site.https_port, site.http_port, self.closed])
        return engine.run(self.sites.target(name), **kwargs)

    def findings(self, report, item: str):
        return [f for f in report.findings if f.control == item]

    def summary(self, report, item: str) -> str:
        return " / ".join(
            f"[{f.verdict.label}] {f.summary.ja}" for f in self.findings(report, item)
        )


class NginxSites(NginxBase):
    """One test per configuration: its verdicts, item by item."""


def _verdict_test(site_name: str):
    def test(self):
        report = self.scan(site_name)
        expected = self.sites[site_name].expected
        got = report.verdicts()
        detail = "\n".join(f"  {n}: {self.summary(report, n)}" for n in sorted(got))
        self.assertEqual(
            {k: str(v) for k, v in got.items()}, {k: str(v) for k, v in expected.items()}, detail
        )
        for finding in report.findings:
            self.assertTrue(finding.summary)
            self.assertTrue(finding.at)

    test.__doc__ = f"nginx '{site_name}': the verdicts of testsupport/sites.py"
    return test


for _site in sites():
    setattr(NginxSites, f"test_verdicts_{_site.name.replace('-', '_')}", _verdict_test(_site.name))


class EvidenceTests(NginxBase):
    """What the verdicts rest on is kept: requests, statuses, headers, handshakes, times."""

    def test_tls_versions_are_probed_one_by_one_with_the_handshake_kept(self):
        report = self.scan("tls10")
        evidence = {
            e["handshake"]: e
            for f in self.findings(report, "tls-version")
            for e in f.evidence
            if "handshake" in e
        }
        self.assertTrue(evidence["TLS 1.0"]["accepted"], evidence["TLS 1.0"])
        self.assertTrue(evidence["TLS 1.1"]["accepted"])
        self.assertIn("TLSv1.2", evidence["TLS 1.2"]["result"])
        self.assertIn("TLS 1.0", self.summary(report, "tls-version"))
        hardened = {
            e["handshake"]: e
            for f in self.findings(self.scan("hardened"), "tls-version")
            for e in f.evidence
            if "handshake" in e
        }
        self.assertFalse(hardened["TLS 1.0"]["accepted"])
        self.assertFalse(hardened["TLS 1.1"]["accepted"])
        self.assertTrue(hardened["TLS 1.3"]["accepted"])

    def test_sslv3_is_reported_as_not_checked(self):
        report = self.scan("hardened")
        self.assertIn(U, [f.verdict for f in self.findings(report, "tls-version")])
        self.assertIn("SSL 2.0 / 3.0", self.summary(report, "tls-version"))

    def test_certificate_facts_are_reported(self):
        report = self.scan("hardened")
        (finding,) = self.findings(report, "server-certificate")
        facts = finding.evidence[0]
        self.assertEqual(facts["key"], "EC secp256r1 256")
        self.assertEqual(facts["signature_hash"], "sha256")
        self.assertIn("localhost", facts["subject"])
        self.assertIn("Kakunin Test CA", facts["issuer"])
        self.assertIn("sha256", finding.summary.ja)

    def test_expired_wrong_host_and_expiring_say_why(self):
        self.assertIn("有効期限切れ", self.summary(self.scan("expired"), "server-certificate"))
        self.assertIn(
            "Hostname mismatch", self.summary(self.scan("wrong-host"), "server-certificate")
        )
        self.assertIn("有効期限まで", self.summary(self.scan("expiring"), "server-certificate"))

    def test_without_the_wards_ca_the_chain_fails(self):
        site = self.sites["hardened"]
        report = engine.run(site.target(ca_bundle=""), scan_ports=[site.https_port])
        self.assertEqual(report.verdicts()["server-certificate"], F)
        self.assertIn(
            "unable to get local issuer certificate", self.summary(report, "server-certificate")
        )

    def test_the_version_leak_names_the_header(self):
        summary = self.summary(self.scan("server-tokens"), "version-hiding")
        self.assertRegex(summary, r"server: nginx/\d")

    def test_directory_listing_and_exposed_files_are_named(self):
        self.assertIn("/files/", self.summary(self.scan("autoindex"), "unpublished-files"))
        summary = self.summary(self.scan("exposed-files"), "unpublished-files")
        self.assertIn("/.git/HEAD", summary)
        self.assertIn("/.env", summary)

    def test_redirect_evidence_keeps_request_status_and_location(self):
        report = self.scan("hardened")
        redirects = [
            e
            for f in self.findings(report, "https")
            for e in f.evidence
            if e.get("request", "").startswith("GET http://")
        ]
        self.assertTrue(redirects)
        self.assertEqual(redirects[0]["status"], 301)
        self.assertTrue(redirects[0]["headers"]["location"].startswith("https://localhost:"))
        self.assertTrue(redirects[0]["at"])
        plain = [
            e
            for f in self.findings(self.scan("http-plain"), "https")
            for e in f.evidence
            if e.get("request", "").startswith("GET http://")
        ]
        self.assertEqual(plain[0]["status"], 200)

    def test_undeclared_open_port_fails_item_36_with_nmaps_name_for_it(self):
        site = self.sites["hardened"]
        target = site.target(str(self.sites.ca.path))
        target.ports = [site.https_port]  # the HTTP port is open but not declared
        report = engine.run(target, scan_ports=[site.https_port, site.http_port, self.closed])
        self.assertEqual(report.verdicts()["port-filtering"], F)
        summary = self.summary(report, "port-filtering")
        self.assertIn(str(site.http_port), summary)
        self.assertNotIn(str(self.closed), summary)
        self.assertIsNotNone(
            shutil.which("nmap"), "nmap is missing: install Debian's nmap (see .ci/run)"
        )
        self.assertIn("nginx", summary)  # the service name, from nmap

    def test_the_hanging_site_gives_the_reason(self):
        with override_settings(SCAN_TIMEOUT=1):
            report = self.scan("hanging")
        self.assertIn("ReadTimeout", report.error)
        self.assertIn("応答しません", self.summary(report, "clickjacking"))


class SafetyAgainstNginx(NginxBase):
    def test_a_redirect_to_an_undeclared_host_is_not_followed(self):
        site = self.sites["hardened"]
        session = Session(Clock(Limits.from_settings()), {"localhost"}, 10_000)
        try:
            response, chain = session.follow(f"http://localhost:{site.http_port}/")
            self.assertEqual(response.status, 200)  # same host: followed to HTTPS
            self.assertEqual(len(chain), 2)
            session.allowed_hosts = {"localhost"}
            # nginx's redirect names "localhost"; a session for another host name stops there.
            other = Session(Clock(Limits.from_settings()), {"127.0.0.1"}, 10_000)
            response, chain = other.follow(f"http://127.0.0.1:{site.http_port}/")
            self.assertEqual(response.status, 301)
            self.assertEqual(len(chain), 1)
            other.close()
        finally:
            session.close()

    def test_the_crawl_is_bounded_in_pages_and_depth(self):
        site = self.sites["hardened"]
        limits = Limits.from_settings()
        session = Session(Clock(limits), {"localhost"}, 10_000)
        try:
            self.assertEqual(len(crawl(session, site.url, 2, 5)), 2)
            self.assertEqual(len(crawl(session, site.url, 20, 0)), 1)
            pages = crawl(session, site.url, 20, 2)
            self.assertEqual(
                sorted(p.url.rsplit("/", 1)[1] for p in pages),
                ["", "about.html", "login.html", "report.txt"],
            )
        finally:
            session.close()

    @override_settings(SCAN_BUDGET=1.0, SCAN_REQUEST_INTERVAL=0.2)
    def test_the_time_budget_ends_the_scan_with_unchecked_items(self):
        report = self.scan("hardened")
        reasons = [f.summary.ja for f in report.findings if f.verdict == U]
        self.assertIn("検査の制限時間内に終わりませんでした。", reasons)

    @override_settings(SCAN_ALLOW_LOOPBACK=False)
    def test_loopback_is_refused_unless_allowed_and_nothing_is_contacted(self):
        report = self.scan("hardened")
        self.assertIn("ループバックアドレス 127.0.0.1", report.error)
        self.assertEqual(set(report.verdicts().values()), {U})
        self.assertEqual(len(report.verdicts()), 14)


class GarbageServer:
    """Answers every connection with bytes that are not HTTP, or resets it."""

    def __init__(self, reply: bytes | None):
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.reply = reply
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.recv(4096)
                    if self.reply is None:
                        conn.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                        )
                    else:
                        conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self):
        self.listener.close()


class BrokenSites(SimpleTestCase):
    def scan(self, reply):
        server = GarbageServer(reply)
        self.addCleanup(server.close)
        return engine.run(
            engine.Target(f"http://localhost:{server.port}/"), scan_ports=[server.port]
        )

    def test_garbage_gives_unchecked_with_the_reason_and_no_crash(self):
        report = self.scan(b"\x00\xffnot http at all\r\n\r\n" * 10)
        self.assertTrue(report.error)
        for item in (
            "version-hiding",
            "session-id-transport",
            "cookie-flags",
            "xss",
            "clickjacking",
        ):
            self.assertEqual(report.verdicts()[item], U, item)

    def test_a_reset_gives_unchecked_with_the_reason(self):
        report = self.scan(None)
        self.assertRegex(report.error, r"応答しません（.*(Reset|Disconnected|Protocol|Error)")
        self.assertEqual(report.verdicts()["clickjacking"], U)
        # Not HTTPS: items 59-61 fail or cannot be checked; nothing raised.
        self.assertEqual(report.verdicts()["https"], U)
