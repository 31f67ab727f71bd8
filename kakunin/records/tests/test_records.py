import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kakunin.audit.models import Event
from kakunin.notifications.models import Notification
from kakunin.records.models import Kind, Record, RecordFile
from kakunin.records.tasks import remind_certificates
from testsupport.fixtures import BaseTestCase, make_scan

TODAY = timezone.localdate()
YESTERDAY = (TODAY - datetime.timedelta(days=1)).isoformat()
TOMORROW = (TODAY + datetime.timedelta(days=1)).isoformat()
NEXT_YEAR = (TODAY + datetime.timedelta(days=365)).isoformat()


def valid(kind: str) -> dict:
    """A form of each kind as a vendor fills it."""
    return {
        Kind.ADMIN_REVIEW: {
            "date": YESTERDAY, "reviewer": "山田 太郎",
            "accounts": "sysadmin01, 佐藤 花子, OS管理\nwebadmin, 鈴木 一郎, Web管理画面",
            "removed": f"olduser, {YESTERDAY}, 退職", "shared": "",
            "result": "不要なアカウントなし", "next_review": NEXT_YEAR,
        },
        Kind.LOG_REVIEW: {
            "period_start": (TODAY - datetime.timedelta(days=90)).isoformat(), "date": YESTERDAY,
            "logs": ["operation", "authentication"], "findings": "不審なログインなし",
            "actions": "", "retention_place": "ログサーバ（庁内）", "retention_months": "36",
        },
        Kind.VULN_ASSESSMENT: {
            "date": YESTERDAY, "performer_kind": "third_party", "performer": "診断株式会社",
            "method": "web_manual", "tool": "Burp Suite", "scope": "https://www.example.lg.jp/",
            "critical": "0", "high": "1", "medium": "2", "low": "0",
            "remediation_status": "done", "remediated_on": YESTERDAY, "remediation": "修正済",
        },
        Kind.BACKUP: {
            "date": YESTERDAY, "target": "DB・設定ファイル", "frequency": "daily",
            "generations": "7", "offsite": "データセンターB",
            "restore_tests": f"{YESTERDAY}, 成功, 全件復元",
        },
        Kind.CLOUD: {
            "date": YESTERDAY, "service_name": "Example Cloud", "provider": "Example KK",
            "region": "東京", "registration": "ismap", "number": "C21-0001-1",
        },
        Kind.CERTIFICATION: {
            "scheme": "isms", "number": "IS 123456", "holder": "株式会社アルファ",
            "scope": "全社", "certifier": "審査機関", "date": YESTERDAY, "valid_until": NEXT_YEAR,
        },
        Kind.DISPOSAL: {
            "date": YESTERDAY, "time": "10:30", "devices": "HDD SN123, 全領域",
            "company": "廃棄株式会社", "method": "physical", "result": "破壊を確認",
            "residual_risks": "なし", "my_number": "on",
        },
    }[Kind(kind)]  # fmt: skip


class RecordsTestCase(BaseTestCase):
    def add(self, kind, data=None, **files):
        url = reverse("records:add", args=[self.system.pk, kind])
        return self.client.post(url, {**(data or valid(kind)), **files})


class AddTestCase(RecordsTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.bob)

    def test_it_adds_a_record_of_each_kind(self):
        for kind in Kind.values:
            with self.subTest(kind=kind):
                r = self.add(kind)
                self.assertEqual(r.status_code, 302, r.content.decode()[:3000])
                record = Record.objects.get(kind=kind)
                self.assertEqual(record.entered_by, self.bob)
                self.assertEqual(record.versions.count(), 1)
                self.assertTrue(
                    Event.objects.filter(action="record.add", object_id=str(record.pk)).exists()
                )
                page = self.client.get(r.url).content.decode()
                self.assertIn(str(record.get_kind_display()), page)
        admin = Record.objects.get(kind=Kind.ADMIN_REVIEW)
        self.assertEqual(
            admin.data["accounts"][0],
            {"account": "sysadmin01", "holder": "佐藤 花子", "purpose": "OS管理"},
        )
        self.assertEqual(admin.until.isoformat(), NEXT_YEAR)
        self.assertEqual(Record.objects.get(kind=Kind.CERTIFICATION).until.isoformat(), NEXT_YEAR)

    def test_an_account_held_by_a_role_is_refused_naming_the_line(self):
        data = valid(Kind.ADMIN_REVIEW) | {
            "accounts": "sysadmin01, 佐藤 花子\nroot, 管理者\nops, 運用チーム"
        }
        r = self.add(Kind.ADMIN_REVIEW, data)
        self.assertEqual(r.status_code, 400)
        page = r.content.decode()
        self.assertIn("2行目: 「管理者」は人の名前ではありません", page)
        self.assertIn("3行目: 「運用チーム」は人の名前ではありません", page)
        self.assertFalse(Record.objects.exists())

    def test_days_that_cannot_be_in_the_future_are_refused(self):
        cases = [
            (Kind.ADMIN_REVIEW, {"date": TOMORROW}),
            (Kind.LOG_REVIEW, {"date": TOMORROW}),
            (Kind.VULN_ASSESSMENT, {"date": TOMORROW}),
            (Kind.BACKUP, {"restore_tests": f"{TOMORROW}, 成功"}),
            (Kind.DISPOSAL, {"date": TOMORROW}),
            (Kind.CERTIFICATION, {"date": TOMORROW}),
        ]
        for kind, change in cases:
            with self.subTest(kind=kind):
                r = self.add(kind, valid(kind) | change)
                self.assertEqual(r.status_code, 400)
                self.assertIn("未来の日付は入力できません", r.content.decode())
        self.assertFalse(Record.objects.exists())

    def test_it_refuses_each_bad_value_with_a_message(self):
        cases = [
            (Kind.ADMIN_REVIEW, {"next_review": YESTERDAY}, "次回の点検予定日は点検日より後にしてください"),
            (Kind.ADMIN_REVIEW, {"accounts": "onlyaccount"}, "1行目: 「アカウント名、利用者の氏名」をカンマ区切りで書いてください"),
            (Kind.ADMIN_REVIEW, {"removed": "x, 4月1日"}, "日付として読めません"),
            (Kind.LOG_REVIEW, {"period_start": TODAY.isoformat(), "date": YESTERDAY}, "対象期間の終了は開始より後にしてください"),
            (Kind.LOG_REVIEW, {"logs": []}, "このフィールドは必須です"),
            (Kind.VULN_ASSESSMENT, {"remediation_status": "planned", "remediation_due": ""}, "是正予定日を入れてください"),
            (Kind.BACKUP, {"restore_tests": f"{YESTERDAY}, たぶん"}, "「たぶん」は使えません。成功・失敗 のどれかを書いてください"),
            (Kind.BACKUP, {"generations": "0"}, "1 以上"),
            (Kind.CLOUD, {"number": "ISMAP-123"}, "C21-0001-1 や L23-0001-1 の形"),
            (Kind.CLOUD, {"number": "L23-0001-1"}, "ISMAP の登録番号は C で始まります"),
            (Kind.CLOUD, {"number": ""}, "登録番号を入れてください"),
            (Kind.CERTIFICATION, {"valid_until": YESTERDAY}, "有効期限は取得・更新日より後にしてください"),
            (Kind.CERTIFICATION, {"scheme": "other"}, "制度の名称を入れてください"),
            (Kind.DISPOSAL, {"devices": ""}, "このフィールドは必須です"),
            (Kind.DISPOSAL, {"company": "廃棄\u202e株式会社"}, "制御文字"),
            (Kind.DISPOSAL, {"devices": "HDD\x00SN123, 全領域"}, "1行目: 制御文字"),  # JSONB refuses NUL
        ]  # fmt: skip
        for kind, change, message in cases:
            with self.subTest(kind=kind, change=change):
                r = self.add(kind, valid(kind) | change)
                self.assertEqual(r.status_code, 400)
                self.assertIn(message, r.content.decode())
        self.assertFalse(Record.objects.exists())

    def test_full_width_ismap_numbers_are_read(self):
        r = self.add(Kind.CLOUD, valid(Kind.CLOUD) | {"number": "ｃ２１－０００１－１"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Record.objects.get().data["number"], "C21-0001-1")

    def test_a_disposal_keeps_its_photographs(self):
        r = self.add(
            Kind.DISPOSAL,
            file_before=SimpleUploadedFile("before.png", PNG),
            file_after=SimpleUploadedFile("after.png", PNG),
            file_certificate=SimpleUploadedFile("cert.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
        self.assertEqual(r.status_code, 302)
        record = Record.objects.get()
        labels = sorted(record.files.values_list("label", flat=True))
        self.assertEqual(labels, ["after", "before", "certificate"])
        attached = record.files.get(label=RecordFile.Label.BEFORE)
        download = self.client.get(
            reverse("records:download", args=[self.system.pk, record.pk, attached.pk])
        )
        self.assertEqual(
            b"".join(download.streaming_content) if download.streaming else download.content, PNG
        )
        self.assertTrue(Event.objects.filter(action="evidence.download").exists())

    def test_a_refused_file_saves_nothing(self):
        r = self.add(
            Kind.DISPOSAL,
            file_before=SimpleUploadedFile("before.png", PNG),
            file_after=SimpleUploadedFile("after.png", b"MZ\x90\x00\x03" + bytes(200)),
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("のファイルだけを添付できます", r.content.decode())
        self.assertFalse(Record.objects.exists())
        self.assertFalse(RecordFile.objects.exists())

    def test_a_scan_of_the_system_can_be_attached_but_not_another_systems(self):
        scan = make_scan(self.system, {"tls-version": "pass"})
        r = self.add(Kind.VULN_ASSESSMENT, valid(Kind.VULN_ASSESSMENT) | {"scan": scan.pk})
        self.assertEqual(r.status_code, 302)
        record = Record.objects.get()
        self.assertEqual(record.scan, scan)
        # Editing keeps the scan chosen (the form starts from it).
        edit = self.client.get(reverse("records:edit", args=[self.system.pk, record.pk]))
        self.assertEqual(edit.context["form"]["scan"].value(), scan.pk)
        from testsupport.fixtures import make_system

        other = make_system(self.zeimu, [self.beta], created_by=self.rita)
        foreign = make_scan(other, {"tls-version": "pass"}, url="https://other.example.lg.jp/")
        r = self.add(Kind.VULN_ASSESSMENT, valid(Kind.VULN_ASSESSMENT) | {"scan": foreign.pk})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(Record.objects.count(), 1)


# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class HistoryTestCase(RecordsTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.bob)
        self.add(Kind.CERTIFICATION)
        self.record = Record.objects.get()

    def test_a_change_keeps_the_version_before(self):
        url = reverse("records:edit", args=[self.system.pk, self.record.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        r = self.client.post(url, valid(Kind.CERTIFICATION) | {"number": "IS 999999"})
        self.assertEqual(r.status_code, 302)
        self.record.refresh_from_db()
        self.assertEqual(self.record.version, 2)
        self.assertEqual(self.record.data["number"], "IS 999999")
        first = self.record.versions.get(version=1)
        self.assertEqual(first.content["data"]["number"], "IS 123456")
        event = Event.objects.get(action="record.update")
        self.assertEqual(event.changes["number"], ["IS 123456", "IS 999999"])

    def test_withdrawn_records_leave_the_list_and_stay_in_the_history(self):
        url = reverse("records:withdraw", args=[self.system.pk, self.record.pk])
        self.assertEqual(self.client.post(url, {"reason": ""}).status_code, 302)
        self.record.refresh_from_db()
        self.assertIsNone(self.record.withdrawn_at)
        self.client.post(url, {"reason": "入力誤り"})
        self.record.refresh_from_db()
        self.assertIsNotNone(self.record.withdrawn_at)
        listing = reverse("records:system", args=[self.system.pk])
        self.assertFalse("IS 123456" in self.client.get(listing).content.decode())
        self.assertIn("IS 123456", self.client.get(listing + "?withdrawn=1").content.decode())
        detail = self.client.get(reverse("records:detail", args=[self.system.pk, self.record.pk]))
        self.assertIn("入力誤り", detail.content.decode())
        edit = reverse("records:edit", args=[self.system.pk, self.record.pk])
        self.assertEqual(self.client.get(edit).status_code, 403)

    def test_ward_staff_of_another_department_reading_a_record_is_audited(self):
        url = reverse("records:detail", args=[self.system.pk, self.record.pk])
        self.client.force_login(self.alice)  # the owning department
        self.client.get(url)
        self.assertFalse(Event.objects.filter(action="data.view").exists())
        self.client.force_login(self.rita)
        self.client.get(url)
        event = Event.objects.get(action="data.view")
        self.assertEqual(
            (event.object_type, event.object_id), ("records.record", str(self.record.pk))
        )

    def test_the_ward_comments_and_cannot_write(self):
        self.client.force_login(self.rita)
        url = reverse("records:comment", args=[self.system.pk, self.record.pk])
        self.client.post(url, {"body": "更新後の証明書を添付してください"})
        self.assertEqual(self.record.comments.get().author, self.rita)
        self.assertEqual(self.add(Kind.CERTIFICATION).status_code, 403)
        self.client.force_login(self.audrey)
        self.assertEqual(self.client.post(url, {"body": "x"}).status_code, 403)
        self.client.force_login(self.charlie)
        self.assertEqual(
            self.client.get(
                reverse("records:detail", args=[self.system.pk, self.record.pk])
            ).status_code,
            404,
        )


class CertificateReminderTestCase(RecordsTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.bob)

    def test_the_holders_are_told_before_and_after_expiry_once(self):
        soon = (TODAY + datetime.timedelta(days=30)).isoformat()
        self.add(Kind.CERTIFICATION, valid(Kind.CERTIFICATION) | {"valid_until": soon})
        self.assertEqual(remind_certificates(), 2)  # bob and alice
        self.assertEqual(remind_certificates(), 0)
        self.assertTrue(Notification.objects.filter(user=self.bob, kind="certificate").exists())
        record = Record.objects.get()
        Record.objects.filter(pk=record.pk).update(until=TODAY - datetime.timedelta(days=1))
        self.assertEqual(remind_certificates(), 3)  # and rita
        self.assertTrue(Notification.objects.filter(user=self.rita, kind="certificate").exists())

    def test_a_certificate_far_from_expiry_is_not_mentioned(self):
        self.add(Kind.CERTIFICATION)
        self.assertEqual(remind_certificates(), 0)
