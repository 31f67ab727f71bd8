import datetime
import io
import zipfile
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kakunin.audit.models import Event
from kakunin.core.text import Text
from kakunin.records import actions as records_actions
from kakunin.records import ismap
from kakunin.records.models import IsmapImport, IsmapService, Kind, Record
from kakunin.records.status import overview
from testsupport.fixtures import BaseTestCase

# As the portal publishes it: a title, a blank line, then the table.
LIST = (
    "ISMAPクラウドサービスリスト,,,,\n"
    ",,,,\n"
    "登録番号,クラウドサービスの名称,クラウドサービス事業者名,登録日,有効期限\n"
    "C21-0001-1,Example Cloud Platform,Example KK,2021/03/12,2030/06/30\n"
    "C22-0042-2,Sample SaaS,Sample KK,令和4年4月1日,2026/01/31\n"
    "L23-0007-1,Small SaaS,Small KK,2023-11-01,\n"
)


def xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class IsmapImportTestCase(BaseTestCase):
    def test_it_reads_the_published_csv_below_its_title(self):
        counts = records_actions.import_ismap_list(
            actor=self.rita, data=LIST.encode("cp932"), filename="list.csv"
        )
        self.assertEqual(counts, {"listed": 3, "new": 3, "changed": 0, "removed": 0})
        service = IsmapService.objects.get(number="C22-0042-2")
        self.assertEqual(
            (service.name, service.registered_on), ("Sample SaaS", datetime.date(2022, 4, 1))
        )
        self.assertEqual(IsmapService.objects.get(number="L23-0007-1").listing, "liu")
        self.assertTrue(Event.objects.filter(action="ismap.import").exists())

    def test_it_reads_the_excel_list(self):
        rows = [[line for line in row.split(",")] for row in LIST.splitlines()]
        counts = records_actions.import_ismap_list(
            actor=self.rita, data=xlsx(rows), filename="list.xlsx"
        )
        self.assertEqual(counts["new"], 3)

    def test_a_service_missing_from_the_next_list_is_marked_removed(self):
        records_actions.import_ismap_list(actor=self.rita, data=LIST.encode(), filename="list.csv")
        shorter = "\n".join(line for line in LIST.splitlines() if "C22-0042-2" not in line)
        counts = records_actions.import_ismap_list(
            actor=self.rita, data=shorter.encode(), filename="list.csv"
        )
        self.assertEqual(counts["removed"], 1)
        self.assertIsNotNone(IsmapService.objects.get(number="C22-0042-2").removed_on)
        # An ISMAP-LIU list alone leaves the ISMAP services as they are.
        liu = "登録番号,クラウドサービスの名称\nL23-0007-1,Small SaaS\n"
        self.assertEqual(
            records_actions.import_ismap_list(
                actor=self.rita, data=liu.encode(), filename="liu.csv"
            )["removed"],
            0,
        )

    def test_a_bad_file_is_refused_whole_naming_the_row(self):
        records_actions.import_ismap_list(actor=self.rita, data=LIST.encode(), filename="list.csv")
        before = list(IsmapService.objects.values_list("number", "name", "removed_on"))
        cases = [
            (LIST + "X-1,Bad,Bad KK,,\n", "list.csv 7行目: 登録番号「X-1」の形が違います"),
            (LIST + "C21-0001-1,Dup,Dup KK,,\n", "登録番号 C21-0001-1 が 4行目と重複しています"),
            (LIST + "C24-0001-1,,Nameless KK,,\n", "7行目: クラウドサービスの名称がありません"),
            (LIST + "C24-0002-1,Bad Date,KK,13月の頃,\n", "「13月の頃」は日付として読めません"),
            (
                LIST + "C24-0003-1,Cloud\u202egpj.exe,KK,,\n",
                "7行目: 「クラウドサービスの名称」に表示順を入れ替える制御文字",
            ),
            (
                LIST + f"C24-0004-1,Long,{'K' * 301},,\n",
                "7行目: 「クラウドサービス事業者」は 300 文字以内にしてください（301 文字）",
            ),
            (
                "名前,住所\nA,B\n",
                "見出し「登録番号」と「クラウドサービスの名称」のある行が見つかりません",
            ),
            ("登録番号,クラウドサービスの名称\n", "登録されたサービスが1件もありません"),
        ]
        for text, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(ismap.ListRefused) as caught:
                    records_actions.import_ismap_list(
                        actor=self.rita, data=text.encode(), filename="list.csv"
                    )
                self.assertIn(message, "\n".join(caught.exception.errors))
        self.assertEqual(
            list(IsmapService.objects.values_list("number", "name", "removed_on")), before
        )
        self.assertEqual(IsmapImport.objects.count(), 1)

    def test_hostile_files_are_refused_with_a_message(self):
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", b"0" * (120 * 1024 * 1024))
        cases = [
            (bomb.getvalue(), "list.xlsx", "圧縮爆弾の疑い"),
            (b"not a zip", "list.xlsx", "Excel ファイルとして読めません"),
            (b"\xff\xfe\x00\x81\x00", "list.csv", "UTF-8 でも Shift_JIS でもありません"),
            (b"%PDF-1.4", "list.pdf", "Excel（.xlsx）か CSV を選んでください"),
        ]
        for data, name, message in cases:
            with self.subTest(name=name, message=message):
                with self.assertRaises(ismap.ListRefused) as caught:
                    records_actions.import_ismap_list(actor=self.rita, data=data, filename=name)
                self.assertIn(message, caught.exception.errors[0])
        self.assertFalse(IsmapService.objects.exists())

    def test_the_command_imports_and_refuses(self):
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "ismap.csv"
            path.write_text(LIST, encoding="utf-8")
            out = StringIO()
            call_command("import_ismap", str(path), "--dry-run", stdout=out)
            self.assertIn("新規 3", out.getvalue())
            self.assertFalse(IsmapService.objects.exists())
            call_command("import_ismap", str(path), stdout=StringIO())
            self.assertEqual(IsmapService.objects.count(), 3)
            path.write_text(LIST + "bad,row,,,\n", encoding="utf-8")
            with self.assertRaisesMessage(CommandError, "何も変更していません"):
                call_command("import_ismap", str(path))
            with self.assertRaisesMessage(CommandError, "開けません"):
                call_command("import_ismap", str(Path(tmp) / "missing.csv"))

    def test_reviewers_upload_it_on_the_web(self):
        url = reverse("records:ismap")
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.client.force_login(self.rita)
        r = self.client.post(
            url, {"file": SimpleUploadedFile("list.csv", (LIST + "bad,x,,,\n").encode())}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("登録番号「bad」の形が違います", r.content.decode())
        r = self.client.post(
            url, {"file": SimpleUploadedFile("list.csv", LIST.encode())}, follow=True
        )
        self.assertIn("新規 3", r.content.decode())


class IsmapCheckTestCase(BaseTestCase):
    def cloud(self, **data):
        return Record.objects.create(
            system=self.system, kind=Kind.CLOUD, date=timezone.localdate(),
            data={"service_name": "Example Cloud Platform", "registration": "ismap", "number": "C21-0001-1"} | data,
            entered_by=self.bob, updated_by=self.bob,
        )  # fmt: skip

    def problems(self, record) -> list[str]:
        return [str(p) for p in ismap.check([record])[record.pk]]

    def test_nothing_is_flagged_before_the_list_is_imported(self):
        self.assertEqual(self.problems(self.cloud(number="C99-9999-1")), [])

    def test_it_flags_what_the_list_contradicts(self):
        records_actions.import_ismap_list(actor=self.rita, data=LIST.encode(), filename="list.csv")
        self.assertEqual(self.problems(self.cloud()), [])
        self.assertEqual(
            self.problems(self.cloud(service_name="ＥＸＡＭＰＬＥ cloud platform")), []
        )
        self.assertIn(
            "ISMAP クラウドサービスリストにありません",
            self.problems(self.cloud(number="C99-9999-1"))[0],
        )
        self.assertIn("一致しません", self.problems(self.cloud(service_name="Other Service"))[0])
        self.assertIn(
            "有効期限（2026-01-31）が過ぎています",
            self.problems(self.cloud(number="C22-0042-2", service_name="Sample SaaS"))[0],
        )
        self.assertIn(
            "登録されていない", self.problems(self.cloud(registration="none", number=""))[0]
        )
        shorter = "\n".join(line for line in LIST.splitlines() if "C21-0001-1" not in line)
        records_actions.import_ismap_list(
            actor=self.rita, data=shorter.encode(), filename="list.csv"
        )
        self.assertIn("リストから外れています", self.problems(self.cloud())[0])
        self.assertTrue(overview([self.system])[self.system.pk].ismap_problems)
        self.assertIsInstance(overview([self.system])[self.system.pk].ismap_problems[0], Text)
