"""manage.py scan: a table or JSON, and an exit code that says whether a check failed."""

import io
import json

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils import translation

from kakunin.audit.models import Event
from kakunin.scans.policy import Finding, Outcome
from testsupport.sites import farm_for


@override_settings(SCAN_DEFAULT_PORTS=[])
class ScanCommand(TestCase):
    @classmethod
    def setUpClass(cls):
        # The servers first: if they cannot start, nothing of the class is left open.
        cls.farm = farm_for(cls, names={"hardened", "tls10"})
        super().setUpClass()

    def scan(self, name: str, *extra: str) -> tuple[int, str]:
        site = self.farm[name]
        out = io.StringIO()
        args = [
            site.url,
            "--ports",
            f"{site.https_port},{site.http_port}",
            "--http-port",
            str(site.http_port),
        ]
        args += ["--ca-bundle", str(self.farm.ca.path), *extra]
        code = 0
        try:
            call_command("scan", *args, stdout=out)
        except SystemExit as exc:
            code = exc.code
        return code, out.getvalue()

    def test_a_clean_site_exits_0_with_a_table(self):
        code, out = self.scan("hardened")
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"適合\s+TLSのバージョン")
        self.assertIn("不適合 0 管理策 / 14 管理策", out)
        self.assertTrue(
            Event.objects.filter(action="scan.cli", object_label=self.farm["hardened"].url).exists()
        )

    def test_a_failing_site_exits_1_and_the_json_follows_the_readme(self):
        code, out = self.scan("tls10", "--json")
        self.assertEqual(code, 1)
        report = json.loads(out)
        self.assertEqual(
            set(report),
            {"target", "started", "finished", "error", "failed", "controls", "findings"},
        )
        self.assertTrue(report["failed"])
        controls = {i["control"]: i for i in report["controls"]}
        self.assertEqual(controls["tls-version"]["verdict"], "fail")
        self.assertEqual(controls["tls-version"]["verdict_label"], "不適合")
        finding = next(
            f
            for f in report["findings"]
            if f["control"] == "tls-version" and f["verdict"] == "fail"
        )
        self.assertEqual(
            set(finding),
            {"check", "control", "verdict", "verdict_label", "summary", "evidence", "at"},
        )
        self.assertTrue(
            any(e.get("handshake") == "TLS 1.0" and e["accepted"] for e in finding["evidence"])
        )

    def test_an_undeclared_port_fails_port_filtering(self):
        site = self.farm["hardened"]
        out = io.StringIO()
        with self.assertRaises(SystemExit) as exit_:
            call_command("scan", site.url, "--ports", str(site.https_port), "--http-port", str(site.http_port),
                         "--ca-bundle", str(self.farm.ca.path), stdout=out)  # fmt: skip
        self.assertEqual(exit_.exception.code, 1)
        self.assertRegex(out.getvalue(), rf"不適合\s+不要なポートの遮断.*{site.http_port}")

    @override_settings(SCAN_ALLOW_LOOPBACK=False)
    def test_a_refused_target_exits_2_with_the_reason(self):
        with self.assertRaises(CommandError) as error:
            call_command("scan", "https://127.0.0.1/")
        self.assertIn("ループバックアドレス", str(error.exception))
        self.assertEqual(error.exception.returncode, 2)
        code, out = self.scan(
            "hardened"
        )  # a name that resolves to loopback: refused after resolving
        self.assertEqual(code, 2)
        self.assertIn("検査できませんでした: ループバックアドレス 127.0.0.1", out)

    def test_bad_arguments_get_a_message_not_a_traceback(self):
        for args, message in [
            (["ftp://example.lg.jp/"], "http:// または https://"),
            (["https://example.lg.jp/", "--ports", "22,ssh"], "「ssh」は使えません"),
            (["https://example.lg.jp/", "--active", "999"], "許可 #999 はありません"),
        ]:
            with self.assertRaises(CommandError) as error:
                call_command("scan", *args)
            self.assertIn(message, str(error.exception))
            self.assertEqual(error.exception.returncode, 2)


@override_settings(SCAN_DEFAULT_PORTS=[], SCAN_TIMEOUT=2)
class ScanCommandOnEveryConfiguration(TestCase):
    @classmethod
    def setUpClass(cls):
        # The servers first: if they cannot start, nothing of the class is left open.
        cls.farm = farm_for(cls)
        super().setUpClass()

    def test_the_json_verdicts_and_exit_code_per_configuration(self):
        for site in self.farm.sites.values():
            with self.subTest(site=site.name):
                out = io.StringIO()
                code = 0
                try:
                    call_command("scan", site.url, "--json", "--ports", f"{site.https_port},{site.http_port}",
                                 "--http-port", str(site.http_port), "--ca-bundle", str(self.farm.ca.path), stdout=out)  # fmt: skip
                except SystemExit as exc:
                    code = exc.code
                report = json.loads(out.getvalue())
                verdicts = {i["control"]: i["verdict"] for i in report["controls"]}
                self.assertEqual(verdicts, {n: str(v) for n, v in site.expected.items()})
                failed = "fail" in verdicts.values()
                self.assertEqual(code, 1 if failed else (2 if report["error"] else 0))


class VerdictLabels(SimpleTestCase):
    def test_pages_follow_the_reader_and_the_stored_json_stays_japanese(self):
        finding = Finding(
            check="tls.protocols", control="tls-version", verdict=Outcome.FAIL, summary="TLS 1.0"
        )
        with translation.override("en"):
            self.assertEqual(Outcome.FAIL.label, "Non-compliant")
            self.assertEqual(finding.as_json()["verdict_label"], "不適合")
            self.assertEqual(translation.get_language(), "en")
        self.assertEqual(Outcome("unknown").ja, "未確認")
