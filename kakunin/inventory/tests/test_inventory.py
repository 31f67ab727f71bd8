import datetime
import io
import json
import zipfile
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import openpyxl
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType
from cyclonedx.output.json import JsonV1Dot4, JsonV1Dot5, JsonV1Dot6
from cyclonedx.output.xml import XmlV1Dot6
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from packageurl import PackageURL

from kakunin.audit.models import Event
from kakunin.inventory import eol
from kakunin.inventory.models import Component, EolCycle, InventoryImport
from testsupport.fixtures import BaseTestCase

CSV = (
    "種別,製造元,製品名,バージョン,稼働場所,CPE,purl,サポート終了日,最新バージョン,最新でない理由,更新予定日\n"
    "OS,Red Hat,Red Hat Enterprise Linux,9.4,Webサーバ,cpe:2.3:o:redhat:enterprise_linux:9.4:*:*:*:*:*:*:*,,,9.5,検証中,令和9年3月31日\n"
    "ミドルウェア,F5,nginx,1.24.0,Webサーバ,cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*,,,,,\n"
)


def cyclonedx(components, writer=JsonV1Dot6) -> bytes:
    bom = Bom()
    for name, version, kind in components:
        bom.components.add(
            CdxComponent(
                name=name,
                version=version,
                type=kind,
                purl=PackageURL(type="generic", name=name, version=version) if version else None,
            )
        )
    return writer(bom).output_as_string().encode()


def spdx(packages) -> bytes:
    return json.dumps(
        {
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "system",
            "documentNamespace": "https://example.lg.jp/spdx/system-1",
            "creationInfo": {"created": "2026-11-01T00:00:00Z", "creators": ["Tool: test"]},
            "packages": [
                {
                    "SPDXID": "SPDXRef-root",
                    "name": "子ども発達支援システム",
                    "versionInfo": "2.0",
                    "downloadLocation": "NOASSERTION",
                },
                *[
                    {
                        "SPDXID": f"SPDXRef-{n}",
                        "name": name,
                        "versionInfo": version,
                        "downloadLocation": "NOASSERTION",
                        "supplier": "Organization: Example",
                        "primaryPackagePurpose": "LIBRARY",
                        "externalRefs": [
                            {
                                "referenceCategory": "PACKAGE-MANAGER",
                                "referenceType": "purl",
                                "referenceLocator": f"pkg:pypi/{name}@{version}",
                            }
                        ],
                    }
                    for n, (name, version) in enumerate(packages)
                ],
            ],
            "relationships": [
                {
                    "spdxElementId": "SPDXRef-DOCUMENT",
                    "relationshipType": "DESCRIBES",
                    "relatedSpdxElement": "SPDXRef-root",
                }
            ],
        }
    ).encode()


class InventoryTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.bob)

    def upload(self, data: bytes, name: str):
        url = reverse("inventory:upload", args=[self.system.pk])
        return self.client.post(url, {"file": SimpleUploadedFile(name, data)})

    def apply(self, data: bytes, name: str):
        r = self.upload(data, name)
        self.assertEqual(r.status_code, 302, r.content.decode()[-2000:])
        staged = InventoryImport.objects.filter(state="pending").get()
        decide = reverse("inventory:decide", args=[self.system.pk, staged.pk])
        return self.client.post(decide, {"decision": "apply"}, follow=True)

    def assert_refused(self, data: bytes, name: str, message: str):
        before = list(Component.objects.values_list("pk", "version"))
        r = self.upload(data, name)
        self.assertContains(
            r, "このファイルは取り込めません。構成一覧は変更していません。", status_code=400
        )
        self.assertContains(r, message, status_code=400)
        self.assertEqual(list(Component.objects.values_list("pk", "version")), before)
        self.assertFalse(InventoryImport.objects.exists())
        return r


class ImportTestCase(InventoryTestCase):
    def test_it_imports_the_csv_template_after_a_preview_and_audits_it(self):
        r = self.upload(CSV.encode("utf-8-sig"), "inventory.csv")
        preview = self.client.get(r.url)
        self.assertContains(preview, "追加 2 件・変更 0 件・削除 0 件。まだ反映していません。")
        self.assertFalse(Component.objects.exists())
        r = self.apply_staged()
        self.assertContains(r, "構成一覧に 2 件の変更を反映しました。")
        rhel = Component.objects.get(product="Red Hat Enterprise Linux")
        self.assertEqual(
            (rhel.kind, rhel.version, rhel.planned_update),
            ("os", "9.4", datetime.date(2027, 3, 31)),
        )
        actions = list(Event.objects.order_by("seq").values_list("action", flat=True))
        self.assertEqual(
            actions[-4:],
            ["inventory.import_upload", "inventory.add", "inventory.add", "inventory.import"],
        )

    def apply_staged(self):
        staged = InventoryImport.objects.filter(state="pending").get()
        return self.client.post(
            reverse("inventory:decide", args=[self.system.pk, staged.pk]),
            {"decision": "apply"},
            follow=True,
        )

    def test_a_shift_jis_csv_and_the_xlsx_template_are_read(self):
        self.apply(CSV.encode("cp932"), "inventory.csv")
        self.assertEqual(Component.objects.count(), 2)
        template = self.client.get(reverse("inventory:template"))
        wb = openpyxl.load_workbook(io.BytesIO(template.content))
        wb.active.append(["データベース", "PostgreSQL", "PostgreSQL", "16.4", "DBサーバ"])
        out = io.BytesIO()
        wb.save(out)
        r = self.upload(out.getvalue(), "inventory.xlsx")
        plan = InventoryImport.objects.get(pk=r.url.rstrip("/").split("/")[-1]).plan
        # The template lists what is listed: the CSV's two rows go, the sheet's row comes
        # (the example on the second sheet is never imported).
        self.assertEqual([a["product"] for a in plan["added"]], ["PostgreSQL"])
        self.assertEqual(len(plan["removed"]), 2)

    def test_cyclonedx_json_1_4_to_1_6_and_xml_are_read(self):
        for writer, name in [
            (JsonV1Dot4, "bom.json"),
            (JsonV1Dot5, "bom.json"),
            (JsonV1Dot6, "bom.json"),
            (XmlV1Dot6, "bom.xml"),
        ]:
            with self.subTest(writer=writer.__name__):
                data = cyclonedx(
                    [
                        ("openssl", "3.0.13", ComponentType.LIBRARY),
                        ("debian", "12", ComponentType.OPERATING_SYSTEM),
                    ],
                    writer,
                )
                r = self.upload(data, name)
                self.assertEqual(r.status_code, 302, r.content.decode()[-1500:])
                plan = InventoryImport.objects.get().plan
                self.assertEqual(
                    {(a["product"], a["kind"]) for a in plan["added"]},
                    {("openssl", "library"), ("debian", "os")},
                )
                InventoryImport.objects.all().delete()

    def test_an_sbom_replaces_what_an_sbom_brought_and_keeps_what_was_listed(self):
        self.apply(CSV.encode(), "inventory.csv")
        self.apply(spdx([("django", "5.2.19"), ("openpyxl", "3.1.5")]), "sbom.spdx.json")
        self.assertEqual(Component.objects.count(), 4)
        self.apply(spdx([("django", "5.2.20"), ("openpyxl", "3.1.5")]), "sbom.spdx.json")
        self.assertEqual(
            sorted(Component.objects.values_list("product", "version")),
            [
                ("Red Hat Enterprise Linux", "9.4"),
                ("django", "5.2.20"),
                ("nginx", "1.24.0"),
                ("openpyxl", "3.1.5"),
            ],
        )
        # The same file again changes nothing.
        r = self.upload(spdx([("django", "5.2.20"), ("openpyxl", "3.1.5")]), "sbom.spdx.json")
        self.assertContains(self.client.get(r.url), "追加 0 件・変更 0 件・削除 0 件")

    def test_the_command_line_does_the_same(self):
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "inventory.csv"
            path.write_text(CSV, encoding="utf-8")
            out = StringIO()
            call_command(
                "import_inventory", str(self.system.pk), str(path), "--dry-run", stdout=out
            )
            self.assertIn("+ nginx 1.24.0 Webサーバ", out.getvalue())
            self.assertFalse(Component.objects.exists())
            call_command("import_inventory", str(self.system.pk), str(path), stdout=out)
            self.assertIn("2 件の変更を反映しました", out.getvalue())
            path.write_text("種別,製品名,バージョン\nOS,Windows,\n", encoding="utf-8")
            with self.assertRaisesMessage(
                CommandError, "inventory.csv 2行目: バージョン がありません"
            ):
                call_command("import_inventory", str(self.system.pk), str(path))
        self.assertEqual(Component.objects.count(), 2)

    def test_a_change_after_the_preview_stops_the_whole_import(self):
        self.apply(CSV.encode(), "inventory.csv")
        self.upload(CSV.replace("1.24.0", "1.26.1").encode(), "inventory.csv")
        Component.objects.filter(product="Red Hat Enterprise Linux").update(location="DBサーバ")
        r = self.apply_staged()
        self.assertContains(r, "反映しませんでした")
        self.assertTrue(Component.objects.filter(product="nginx", version="1.24.0").exists())


class BadInputTestCase(InventoryTestCase):
    def test_a_zip_bomb_in_place_of_the_template_is_refused_before_unpacking(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("xl/padding.bin", b"\0" * 120_000_000)
        self.assertLess(len(buf.getvalue()), 1_000_000)
        self.assert_refused(
            buf.getvalue(), "list.xlsx", "list.xlsx: 展開後のサイズが上限を超えます"
        )

    def test_each_bad_file_is_refused_naming_the_file_and_the_record(self):
        cases = [
            (
                b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [',
                "bom.json",
                "bom.json: JSON として読めません",
            ),
            (
                b"<bom xmlns='http://cyclonedx.org/schema/bom/1.6'><components>",
                "bom.xml",
                "bom.xml: XML として読めないか",
            ),
            (
                b'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><bom xmlns="http://cyclonedx.org/schema/bom/1.6">&b;</bom>',
                "bom.xml",
                "安全でない内容（XMLエンティティ等）",
            ),
            (
                b'{"vulnerabilities": []}',
                "feed.json",
                "CycloneDX の SBOM（bomFormat）でも SPDX 2.3（spdxVersion）でもない",
            ),
            (
                cyclonedx([("openssl", None, ComponentType.LIBRARY)]),
                "bom.json",
                "components[0] openssl: バージョン がありません",
            ),
            (
                "種別,製品名,バージョン,CPE\nOS,Windows Server,2022,cpe:2.3:o:microsoft\n".encode(),
                "list.csv",
                "list.csv 2行目: CPE「cpe:2.3:o:microsoft」は CPE 2.3 の形式",
            ),
            (
                "種別,製品名,バージョン\nサーバ,Windows Server,2022\n".encode(),
                "list.csv",
                "list.csv 2行目: 種別「サーバ」は",
            ),
            (b"PK\x03\x04 not really", "list.xlsx", "list.xlsx: Excel ファイルとして読めません"),
            (b"anything", "list.pdf", "list.pdf: 読める形式ではありません"),
            (spdx([("django", "")]), "sbom.json", "packages[0] django: バージョン がありません"),
            # The one text rule (issue 23.14): controls and over-long cells are refused,
            # naming the row and the column, never kept or cut.
            (
                "種別,製品名,バージョン\nOS,Windows\u202egpj.exe,2022\n".encode(),
                "list.csv",
                "list.csv 2行目: 「製品名」に表示順を入れ替える制御文字",
            ),
            (
                f"種別,製造元,製品名,バージョン\nOS,{'M' * 201},Windows,2022\n".encode(),
                "list.csv",
                "list.csv 2行目: 「製造元」は 200 文字以内にしてください（201 文字）",
            ),
            (
                cyclonedx([("open\u202essl", "3.0.13", ComponentType.LIBRARY)]),
                "bom.json",
                "「製品名」に表示順を入れ替える制御文字",
            ),
            (
                spdx([("django\x07", "5.2")]),
                "sbom.json",
                "「製品名」に表示順を入れ替える制御文字（RLO など）か見えない制御文字",
            ),
        ]
        for data, name, message in cases:
            with self.subTest(name=name, message=message):
                self.assert_refused(data, name, message)


class EolTestCase(InventoryTestCase):
    def eol_file(self, product: str, cycles: list[dict]) -> str:
        tmp = TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = Path(tmp.name) / f"{product}.json"
        path.write_text(json.dumps(cycles), encoding="utf-8")
        return str(path)

    def test_each_component_shows_its_support_state(self):
        today = timezone.localdate()
        soon, past, later = (
            today + datetime.timedelta(days=30),
            today - datetime.timedelta(days=1),
            today + datetime.timedelta(days=900),
        )
        call_command(
            "import_eol",
            self.eol_file(
                "nginx",
                [
                    {"cycle": "1.24", "eol": past.isoformat(), "latest": "1.24.0"},
                    {"cycle": "1.26", "eol": False, "latest": "1.26.2"},
                ],
            ),
            self.eol_file(
                "postgresql",
                [
                    {"cycle": "16", "eol": later.isoformat(), "latest": "16.6"},
                    {"cycle": "15", "eol": soon.isoformat()},
                ],
            ),
            stdout=StringIO(),
        )
        made = {}
        for product, version, support_end in [
            ("nginx", "1.24.0", None),
            ("nginx", "1.26.1", None),
            ("PostgreSQL", "16.4", None),
            ("PostgreSQL", "15.8", None),
            ("社内ライブラリ", "1.0", None),
            ("Windows Server", "2016", datetime.date(2027, 1, 12)),
        ]:
            made[(product, version)] = Component.objects.create(
                system=self.system,
                kind="middleware",
                product=product,
                version=version,
                support_end=support_end,
            )
        states = eol.statuses(made.values())
        self.assertEqual(
            {key: states[c.pk].state for key, c in made.items()},
            {
                ("nginx", "1.24.0"): "past",
                ("nginx", "1.26.1"): "supported",
                ("PostgreSQL", "16.4"): "supported",
                ("PostgreSQL", "15.8"): "ending",
                ("社内ライブラリ", "1.0"): "unknown",
                ("Windows Server", "2016"): "supported"
                if datetime.date(2027, 1, 12) - today > datetime.timedelta(days=180)
                else "ending",
            },
        )
        page = self.client.get(reverse("inventory:system", args=[self.system.pk]), {"eol": "past"})
        self.assertContains(page, "nginx")
        self.assertContains(page, "1.24.0")
        self.assertFalse("1.26.1" in page.content.decode())
        out = StringIO()
        call_command("inventory", str(self.system.pk), "--json", stdout=out)
        rows = {(r["name"], r["version"]): r for r in json.loads(out.getvalue())}
        self.assertEqual(
            rows[("nginx", "1.24.0")]["eol"],
            {"state": "past", "date": past.isoformat(), "manual": False},
        )
        self.assertEqual(rows[("nginx", "1.26.1")]["latest_version"], "1.26.2")
        self.assertTrue(Event.objects.filter(action="eol.import", object_label="nginx").exists())

    def test_a_bad_eol_file_imports_nothing(self):
        good = self.eol_file("nginx", [{"cycle": "1.24", "eol": "2025-04-23"}])
        for content, message in [
            ("[{", "JSON として読めません"),
            ('{"result": {}}', "リリースサイクルの一覧）ではありません"),
            ('[{"cycle": "1", "eol": "someday"}]', "1 件目の eol「someday」は日付ではありません"),
            ('[{"eol": false}]', "1 件目に cycle がありません"),
        ]:
            with self.subTest(message=message):
                tmp = TemporaryDirectory()
                self.addCleanup(tmp.cleanup)
                bad = Path(tmp.name) / "bad.json"
                bad.write_text(content, encoding="utf-8")
                with self.assertRaisesMessage(CommandError, message):
                    call_command("import_eol", good, str(bad), stdout=StringIO())
                self.assertFalse(EolCycle.objects.exists())

    def test_reviewers_upload_eol_data_on_the_web(self):
        self.client.force_login(self.rita)
        url = reverse("inventory:eol")
        data = json.dumps([{"cycle": "1.24", "eol": "2025-04-23", "latest": "1.24.0"}]).encode()
        r = self.client.post(url, {"files": [SimpleUploadedFile("nginx.json", data)]}, follow=True)
        self.assertContains(r, "1 製品のサポート期限データを取り込みました。")
        self.assertEqual(EolCycle.objects.get().product, "nginx")
        r = self.client.post(url, {"files": [SimpleUploadedFile("nginx.json", b"[{")]})
        self.assertContains(r, "nginx.json: JSON として読めません", status_code=400)


class WebEditTestCase(InventoryTestCase):
    def test_the_vendor_adds_a_component_and_it_is_audited(self):
        url = reverse("inventory:add", args=[self.system.pk])
        r = self.client.post(
            url,
            {
                "kind": "database",
                "product": "PostgreSQL",
                "version": "15.8",
                "latest_version": "16.6",
                "not_latest_reason": "",
            },
        )
        self.assertContains(r, "最新バージョンでない理由を書いてください。", status_code=400)
        r = self.client.post(
            url,
            {
                "kind": "database",
                "product": "PostgreSQL",
                "version": "15.8",
                "cpe": "cpe:2.3:a:postgresql",
            },
        )
        self.assertContains(r, "CPE 2.3 の形式", status_code=400)
        self.assertFalse(Component.objects.exists())
        r = self.client.post(
            url,
            {
                "kind": "database",
                "product": "PostgreSQL",
                "version": "15.8",
                "latest_version": "16.6",
                "not_latest_reason": "次期更改で移行",
            },
        )
        self.assertRedirects(r, reverse("inventory:system", args=[self.system.pk]))
        component = Component.objects.get()
        self.assertEqual(component.updated_by, self.bob)
        self.assertEqual(Event.objects.filter(action="inventory.add").get().actor, self.bob)

    def test_another_vendor_cannot_see_the_inventory_and_the_reviewer_only_reads_it(self):
        Component.objects.create(system=self.system, kind="os", product="RHEL", version="9.4")
        self.client.force_login(self.charlie)
        self.assertEqual(
            self.client.get(reverse("inventory:system", args=[self.system.pk])).status_code, 404
        )
        self.client.force_login(self.rita)
        page = self.client.get(reverse("inventory:system", args=[self.system.pk]))
        self.assertContains(page, "RHEL")
        self.assertFalse("構成要素を追加" in page.content.decode())
        self.assertEqual(
            self.client.get(reverse("inventory:add", args=[self.system.pk])).status_code, 403
        )
