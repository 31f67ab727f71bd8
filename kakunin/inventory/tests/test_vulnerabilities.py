import gzip
import json
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from kakunin.audit.models import Event
from kakunin.inventory.models import Component, Finding, Response, Vulnerability
from kakunin.notifications.models import Notification
from testsupport.fixtures import BaseTestCase, approve_on, make_system


def match(cpe: str, vulnerable=True, **bounds) -> dict:
    names = {
        "si": "versionStartIncluding",
        "se": "versionStartExcluding",
        "ei": "versionEndIncluding",
        "ee": "versionEndExcluding",
    }
    return {"vulnerable": vulnerable, "criteria": cpe, **{names[k]: v for k, v in bounds.items()}}


def cve(ident: str, severity: str, score: float, configurations: list) -> dict:
    return {
        "cve": {
            "id": ident,
            "published": "2024-03-01T10:00:00.000",
            "descriptions": [{"lang": "en", "value": f"{ident} in a product"}],
            "metrics": {
                "cvssMetricV31": [{"cvssData": {"baseScore": score, "baseSeverity": severity}}]
            },
            "configurations": configurations,
        }
    }


def one_node(*matches, operator="OR") -> list:
    return [{"nodes": [{"operator": operator, "negate": False, "cpeMatch": list(matches)}]}]


FEED = {
    "resultsPerPage": 4,
    "startIndex": 0,
    "totalResults": 4,
    "format": "NVD_CVE",
    "version": "2.0",
    "timestamp": "2026-11-30T00:00:00.000",
    "vulnerabilities": [
        cve(
            "CVE-2024-0001",
            "HIGH",
            7.5,
            one_node(match("cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", si="1.20.0", ee="1.24.1")),
        ),
        cve(
            "CVE-2024-0002",
            "CRITICAL",
            9.8,
            one_node(match("cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*")),
        ),
        cve(
            "CVE-2024-0003",
            "MEDIUM",
            5.3,
            [
                {
                    "operator": "AND",
                    "nodes": [
                        {
                            "operator": "OR",
                            "cpeMatch": [match("cpe:2.3:a:acme:portal:*:*:*:*:*:*:*:*", ei="2.0")],
                        },
                        {
                            "operator": "OR",
                            "cpeMatch": [
                                match(
                                    "cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*",
                                    vulnerable=False,
                                )
                            ],
                        },
                    ],
                }
            ],
        ),
        cve(
            "CVE-2024-0004",
            "LOW",
            3.1,
            one_node(
                match("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", se="2.4.9", ei="2.4.58")
            ),
        ),
    ],
}

JVN = """<?xml version="1.0" encoding="UTF-8"?>
<VULDEF-Document xmlns="http://jvn.jp/vuldef/" version="3.2">
 <Vulinfo>
  <VulinfoID>JVNDB-2024-000001</VulinfoID>
  <VulinfoData>
   <Title>自治体向け製品における認証回避の脆弱性</Title>
   <Affected><AffectedItem><Name>エグザンプル株式会社</Name><ProductName>JPソフト</ProductName>
     <Cpe version="2.2">cpe:/a:example:jpsoft</Cpe><VersionNumber>3.2 およびそれ以前</VersionNumber></AffectedItem></Affected>
   <Impact><Cvss version="3.0"><Severity type="Base">High</Severity><Base>8.1</Base></Cvss></Impact>
   <DateFirstPublished>2024-05-01T12:00+09:00</DateFirstPublished>
  </VulinfoData>
 </Vulinfo>
 <Vulinfo>
  <VulinfoID>JVNDB-2024-000002</VulinfoID>
  <VulinfoData>
   <Title>OpenSSL の脆弱性</Title>
   <Affected><AffectedItem><Cpe version="2.2">cpe:/a:openssl:openssl</Cpe><VersionNumber>3.0.13</VersionNumber></AffectedItem></Affected>
   <Related><RelatedItem type="advisory"><Name>CVE</Name><VulinfoID>CVE-2024-0002</VulinfoID></RelatedItem></Related>
  </VulinfoData>
 </Vulinfo>
</VULDEF-Document>
"""


class VulnerabilityTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        tmp = TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)

    def write(self, name: str, content) -> str:
        path = self.dir / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(
                content if isinstance(content, str) else json.dumps(content), encoding="utf-8"
            )
        return str(path)

    def component(self, system, product_cpe: str, version: str, product="x") -> Component:
        return Component.objects.create(
            system=system, kind="middleware", product=product, version=version, cpe=product_cpe
        )

    def import_feeds(self, *paths) -> str:
        out = StringIO()
        call_command("import_vulnerabilities", *paths, stdout=out)
        return out.getvalue()

    def affected(self, system=None) -> set[tuple[str, str, str]]:
        system = system or self.system
        return set(
            Finding.objects.filter(component__system=system, closed_at__isnull=True).values_list(
                "vulnerability__ident", "component__product", "component__version"
            )
        )


class MatchingTestCase(VulnerabilityTestCase):
    def test_ranges_match_inside_and_not_at_the_open_bounds(self):
        for version in ("1.19.9", "1.20.0", "1.24.0", "1.24.1", "1.26.0"):
            self.component(
                self.system, f"cpe:2.3:a:f5:nginx:{version}:*:*:*:*:*:*:*", version, "nginx"
            )
        for version in ("3.0.13", "3.0.14"):
            self.component(
                self.system,
                f"cpe:2.3:a:openssl:openssl:{version}:*:*:*:*:*:*:*",
                version,
                "openssl",
            )
        for version in ("2.4.9", "2.4.10", "2.4.58", "2.4.59"):
            self.component(
                self.system, "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", version, "httpd"
            )
        self.import_feeds(self.write("nvdcve-2.0-2024.json", FEED))
        self.assertEqual(
            self.affected(),
            {
                ("CVE-2024-0001", "nginx", "1.20.0"),
                ("CVE-2024-0001", "nginx", "1.24.0"),
                ("CVE-2024-0002", "openssl", "3.0.13"),
                # 2.4.10 > 2.4.9 as versions, not as strings.
                ("CVE-2024-0004", "httpd", "2.4.10"),
                ("CVE-2024-0004", "httpd", "2.4.58"),
            },
        )

    def test_an_and_configuration_needs_its_platform_on_the_same_system(self):
        self.component(self.system, "cpe:2.3:a:acme:portal:1.5:*:*:*:*:*:*:*", "1.5", "portal")
        self.component(
            self.system, "cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*", "-", "Windows"
        )
        other = make_system(self.kodomo, [self.alpha], created_by=self.alice, name="別システム")
        self.component(other, "cpe:2.3:a:acme:portal:1.5:*:*:*:*:*:*:*", "1.5", "portal")
        self.import_feeds(self.write("feed.json", FEED))
        self.assertEqual(self.affected(), {("CVE-2024-0003", "portal", "1.5")})
        self.assertEqual(self.affected(other), set())

    def test_jvn_entries_match_by_product_and_version_words_and_leave_cves_to_nvd(self):
        self.component(self.system, "cpe:2.3:a:example:jpsoft:3.1:*:*:*:*:*:*:*", "3.1", "JPソフト")
        self.component(self.system, "cpe:2.3:a:example:jpsoft:3.3:*:*:*:*:*:*:*", "3.3", "JPソフト")
        self.component(
            self.system, "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", "3.0.13", "openssl"
        )
        self.import_feeds(self.write("feed.json", FEED), self.write("jvndb.xml", JVN))
        self.assertEqual(
            self.affected(),
            {("JVNDB-2024-000001", "JPソフト", "3.1"), ("CVE-2024-0002", "openssl", "3.0.13")},
        )
        self.assertEqual(
            Vulnerability.objects.get(ident="JVNDB-2024-000002").aliases, ["CVE-2024-0002"]
        )

    def test_an_upgrade_closes_the_finding(self):
        nginx = self.component(
            self.system, "cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*", "1.24.0", "nginx"
        )
        self.import_feeds(self.write("feed.json", FEED))
        self.client.force_login(self.bob)
        self.client.post(
            reverse("inventory:edit", args=[self.system.pk, nginx.pk]),
            {
                "kind": "middleware",
                "product": "nginx",
                "version": "1.26.2",
                "cpe": "cpe:2.3:a:f5:nginx:1.26.2:*:*:*:*:*:*:*",
            },
        )
        self.assertEqual(self.affected(), set())
        self.assertIsNotNone(Finding.objects.get().closed_at)


class ImportTestCase(VulnerabilityTestCase):
    def test_a_reimport_changes_nothing_and_tells_nobody_again(self):
        self.component(
            self.system, "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", "3.0.13", "openssl"
        )
        feed = self.write("nvdcve-2.0-2024.json.gz", gzip.compress(json.dumps(FEED).encode()))
        self.assertIn(
            "新規 4 件・更新 0 件・変更なし 0 件、新たに該当したシステム 1 件",
            self.import_feeds(feed),
        )
        told = Notification.objects.filter(kind="vulnerability")
        self.assertEqual({n.user.username for n in told}, {"alice", "bob", "rita"})
        self.assertIn("CVE-2024-0002", told.first().body)
        self.assertIn(
            "新規 0 件・更新 0 件・変更なし 4 件、新たに該当したシステム 0 件",
            self.import_feeds(feed),
        )
        self.assertEqual(told.count(), 3)
        self.assertEqual(Event.objects.filter(action="vulnerability.import").count(), 2)

    def test_bad_files_are_refused_naming_the_file_and_the_record_and_nothing_is_imported(self):
        good = self.write("good.json", FEED)
        broken_cpe = dict(
            FEED,
            vulnerabilities=[
                FEED["vulnerabilities"][0],
                cve("CVE-2024-0009", "LOW", 1.0, one_node(match("cpe:2.3:a:bad"))),
            ],
        )
        cases = [
            (json.dumps(FEED)[:500], "truncated.json", "truncated.json: JSON が壊れています"),
            (
                {"format": "CSAF", "vulnerabilities": []},
                "other.json",
                "other.json: NVD の CVE フィード",
            ),
            (broken_cpe, "cpe.json", "cpe.json CVE-2024-0009: CPE「cpe:2.3:a:bad」を読めません"),
            (
                {"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": "not-a-cve"}}]},
                "id.json",
                "id.json: 1 件目に CVE ID がありません",
            ),
            (
                '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><VULDEF-Document>&b;</VULDEF-Document>',
                "bomb.xml",
                "安全でない内容（XMLエンティティ等）",
            ),
            (
                "<rss></rss>",
                "rss.xml",
                "rss.xml: JVN iPedia（MyJVN）の VULDEF 形式の XML ではありません",
            ),
            (
                "CVE-2024-0001,nginx",
                "list.csv",
                "list.csv: NVD の JSON でも JVN の XML でもありません",
            ),
        ]
        for content, name, message in cases:
            with self.subTest(name=name):
                with self.assertRaisesMessage(CommandError, message):
                    self.import_feeds(good, self.write(name, content))
                self.assertFalse(Vulnerability.objects.exists())

    @override_settings(VULN_FEED_MAX_UNPACKED_BYTES=100_000)
    def test_a_gzip_bomb_is_refused(self):
        bomb = self.write(
            "bomb.json.gz",
            gzip.compress(b'{"format": "NVD_CVE", "x": "' + b"a" * 5_000_000 + b'"}'),
        )
        with self.assertRaisesMessage(CommandError, "bomb.json.gz: 展開後のサイズが上限"):
            self.import_feeds(bomb)


class ResponseTestCase(VulnerabilityTestCase):
    def setUp(self):
        super().setUp()
        self.component(
            self.system, "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", "3.0.13", "openssl"
        )
        self.import_feeds(self.write("feed.json", FEED))
        self.finding = Finding.objects.get()

    def test_the_vendor_records_a_response_and_it_is_audited(self):
        self.client.force_login(self.bob)
        url = reverse("inventory:respond", args=[self.system.pk, self.finding.pk])
        r = self.client.post(url, {"kind": "not_affected", "reason": ""})
        self.assertContains(r, "影響がない理由を書いてください", status_code=400)
        r = self.client.post(url, {"kind": "fixed", "date": "2026-11-20"})
        self.assertContains(r, "対応後のバージョンを入力してください", status_code=400)
        self.assertFalse(Response.objects.exists())
        r = self.client.post(
            url, {"kind": "not_affected", "reason": "該当する TLS 機能を使っていない"}
        )
        self.assertRedirects(
            r,
            reverse("inventory:system", args=[self.system.pk]) + "#vulnerabilities",
            fetch_redirect_response=False,
        )
        self.assertEqual(self.finding.response.kind, "not_affected")
        self.assertEqual(Event.objects.get(action="vulnerability.respond").actor, self.bob)
        page = self.client.get(reverse("inventory:system", args=[self.system.pk]))
        self.assertContains(page, "該当する TLS 機能を使っていない")
        out = StringIO()
        call_command("inventory", str(self.system.pk), "--json", stdout=out)
        self.assertEqual(
            json.loads(out.getvalue())[0]["vulnerabilities"],
            [
                {
                    "id": "CVE-2024-0002",
                    "severity": "CRITICAL",
                    "cvss": 9.8,
                    "open": True,
                    "response": {
                        "kind": "not_affected",
                        "date": None,
                        "fixed_version": "",
                        "reason": "該当する TLS 機能を使っていない",
                    },
                }
            ],
        )
        filtered = self.client.get(
            reverse("inventory:system", args=[self.system.pk]), {"vulnerable": "on"}
        )
        self.assertContains(filtered, 'id="component-')

    def test_the_ward_sees_open_vulnerabilities_across_systems_and_another_vendor_does_not(self):
        self.client.force_login(self.rita)
        page = self.client.get(reverse("inventory:vulnerabilities"))
        self.assertContains(page, "CVE-2024-0002")
        self.assertContains(page, "子ども発達支援システム")
        self.client.force_login(self.charlie)
        page = self.client.get(reverse("inventory:vulnerabilities"))
        self.assertFalse("CVE-2024-0002" in page.content.decode())
        url = reverse("inventory:respond", args=[self.system.pk, self.finding.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.rita)
        self.assertEqual(self.client.get(url).status_code, 403)


class FixedButStillListedTestCase(ResponseTestCase):
    """Issue 23.10: a CVE answered 対応済 still counted as 未解決 while the inventory kept
    the vulnerable version. It is counted apart now, and said what it is."""

    def test_a_fix_reported_before_the_inventory_is_updated_is_counted_apart(self):
        approve_on(self.assessment)  # in operation: on the ward's dashboard
        self.client.force_login(self.bob)
        url = reverse("inventory:respond", args=[self.system.pk, self.finding.pk])
        r = self.client.post(
            url, {"kind": "fixed", "date": "2026-11-20", "fixed_version": "3.0.15"}
        )
        self.assertEqual(r.status_code, 302)
        self.assertIsNone(Finding.objects.get().closed_at)  # the inventory still says 3.0.13
        panel = self.client.get(reverse("systems:detail", args=[self.system.pk])).content.decode()
        self.assertNotIn("未解決の脆弱性 緊急", panel)
        self.assertIn(
            "対応済と回答された脆弱性 1 件は、構成一覧が脆弱なバージョンのままです", panel
        )
        page = self.client.get(reverse("inventory:system", args=[self.system.pk]))
        self.assertContains(page, "未解決: 緊急 0")
        self.assertContains(page, "対応済と回答、構成一覧の更新待ち: 1 件")
        self.client.force_login(self.rita)
        home = " ".join(self.client.get(reverse("dashboards:home")).content.decode().split())
        self.assertIn('<span class="tile-n">0</span> 緊急・重要の脆弱性が未解決のシステム', home)
        row = home[home.index(f'id="operating-{self.system.pk}"') :].split("</tr>")[0]
        self.assertIn("構成一覧の更新待ち 1", row)
        self.assertIn('class="attention"', row)
        # The inventory updated to the fixed version: the finding closes, nothing is left.
        Component.objects.filter(product="openssl").update(
            version="3.0.15", cpe="cpe:2.3:a:openssl:openssl:3.0.15:*:*:*:*:*:*:*"
        )
        self.assertEqual(Finding.objects.unresolved().count(), 0)


class WhereItShowsTestCase(VulnerabilityTestCase):
    def test_items_66_67_72_and_the_dashboard_show_the_inventory_state(self):
        self.component(
            self.system, "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", "3.0.13", "openssl"
        )
        self.import_feeds(self.write("feed.json", FEED))
        self.client.force_login(self.rita)
        html = self.client.get(
            reverse("assessments:detail", args=[self.assessment.pk]) + "?all=1"
        ).content.decode()
        for key in ("ops-software-inventory", "ops-vulnerability-info", "security-status-report"):
            with self.subTest(key=key):
                self.assertIn(f'id="inventory-{key}"', html)
        self.assertFalse('id="inventory-pw-composition"' in html)
        block = html[html.index('id="inventory-ops-vulnerability-info"') :][:1200]
        self.assertIn("緊急 1", " ".join(block.split()))
        dashboard = self.client.get(reverse("dashboards:home")).content.decode()
        operations = " ".join(dashboard[dashboard.index('id="operations"') :][:1500].split())
        self.assertIn(
            '<span class="tile-n">1</span> 緊急・重要の脆弱性が未解決のシステム', operations
        )
        self.assertIn(
            '<span class="tile-n">0</span> サポート終了のソフトウェアがあるシステム', operations
        )


class FeedUploadTestCase(VulnerabilityTestCase):
    def test_reviewers_upload_feeds_on_the_web(self):
        self.component(
            self.system, "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", "3.0.13", "openssl"
        )
        self.client.force_login(self.rita)
        url = reverse("inventory:feeds")
        feed = gzip.compress(json.dumps(FEED).encode())
        r = self.client.post(
            url, {"files": [SimpleUploadedFile("nvdcve-2.0-2024.json.gz", feed)]}, follow=True
        )
        self.assertContains(r, "新規 4 件・更新 0 件・変更なし 0 件、新たに該当したシステム 1 件")
        self.assertEqual(self.affected(), {("CVE-2024-0002", "openssl", "3.0.13")})
        r = self.client.post(
            url,
            {
                "files": [
                    SimpleUploadedFile("broken.json", b'{"format": "NVD_CVE", "vulnerabilities": [')
                ]
            },
        )
        self.assertContains(r, "broken.json: JSON が壊れています", status_code=400)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(url).status_code, 403)

    @override_settings(VULN_FEED_MAX_UNPACKED_BYTES=1024 * 1024)
    def test_a_gzip_bomb_uploaded_on_the_web_is_refused_before_it_is_parsed(self):
        """Issue 23.14: on the web it ran until gunicorn killed the worker at 30 s. The
        unpacked size is counted first, before the parser spends minutes on it: here the
        parser would have stopped at the broken record without a word of the size."""
        self.client.force_login(self.rita)
        bomb = gzip.compress(
            b'{"format": "NVD_CVE", "vulnerabilities": [{"cve": 1}, ' + b" " * 5_000_000 + b"]}"
        )
        r = self.client.post(
            reverse("inventory:feeds"), {"files": [SimpleUploadedFile("bomb.json.gz", bomb)]}
        )
        self.assertContains(
            r, "bomb.json.gz: 展開後のサイズが上限（1 MB）を超えます", status_code=400
        )
        self.assertFalse(Vulnerability.objects.exists())


class ResponseEvidenceTestCase(VulnerabilityTestCase):
    def setUp(self):
        super().setUp()
        self.component(
            self.system, "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*", "3.0.13", "openssl"
        )
        self.import_feeds(self.write("feed.json", FEED))
        self.finding = Finding.objects.get()
        self.url = reverse("inventory:respond", args=[self.system.pk, self.finding.pk])

    def test_a_response_carries_an_evidence_file_read_back_by_those_who_see_the_system(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            self.url,
            {"kind": "fixed", "date": "2026-11-20", "fixed_version": "3.0.15",
             "file": SimpleUploadedFile("更新記録.txt", "openssl を 3.0.15 に更新".encode())},
        )  # fmt: skip
        self.assertEqual(r.status_code, 302)
        response = Response.objects.get()
        self.assertEqual(response.evidence.filename, "更新記録.txt")
        download = reverse("inventory:response_evidence", args=[self.system.pk, response.pk])
        self.client.force_login(self.rita)
        r = self.client.get(download)
        self.assertEqual(b"".join(r), "openssl を 3.0.15 に更新".encode())
        self.assertIn("attachment", r["Content-Disposition"])
        self.assertTrue(Event.objects.filter(action="evidence.download", actor=self.rita).exists())
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(download).status_code, 404)

    def test_a_refused_file_records_nothing_and_says_why(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            self.url,
            {
                "kind": "planned",
                "date": "2027-01-31",
                "file": SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 100),
            },
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "errorlist", status_code=400)
        self.assertFalse(Response.objects.exists())
