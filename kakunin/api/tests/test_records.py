"""The records of the operating years through the API."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kakunin.api.tests.base import ApiTestCase, add_record, record_body
from kakunin.audit.models import Event
from kakunin.records.models import Kind, Record
from kakunin.records.tests.test_records import NEXT_YEAR, TOMORROW, YESTERDAY
from testsupport.fixtures import (
    make_scan,
    make_system,
)


class RecordsTestCase(ApiTestCase):
    def add_url(self, kind):
        return reverse(f"api:record_add_{kind}", args=[self.system.pk])

    def record_url(self, record):
        return reverse(f"api:record_{record.kind}", args=[self.system.pk, record.pk])

    def test_a_vendor_adds_each_kind_and_keeps_what_the_web_form_keeps(self):
        self.client.force_login(self.bob)
        for kind in Kind.values:
            with self.subTest(kind=kind):
                r = self.call("bob", "post", self.add_url(kind), record_body(kind))
                self.assertEqual(r.status_code, 201, r.content)
                record = Record.objects.get(pk=r.json()["id"])
                self.assertEqual(r["ETag"], f'"record-{record.pk}-1"')
                by_web = add_record(kind, self.system, self.alice)
                self.assertEqual(record.data, by_web.data)
                self.assertEqual((record.date, record.until), (by_web.date, by_web.until))
                self.assertEqual(record.entered_by, self.bob)
                self.assertTrue(
                    Event.objects.filter(action="record.add", object_id=str(record.pk)).exists()
                )
                # The web shows and edits it as one of its own.
                edit = reverse("records:edit", args=[self.system.pk, record.pk])
                self.assertIn(str(record.date), self.client.get(edit).content.decode())
        admin = Record.objects.filter(kind="admin_review", entered_by=self.bob).get()
        self.assertEqual(admin.data["accounts"][0]["holder"], "佐藤 花子")

    def test_a_correction_needs_the_etag_it_read_and_keeps_every_version(self):
        record = add_record("vuln_assessment", self.system, self.bob,
                            remediation_status="planned", remediation_due=NEXT_YEAR,
                            remediated_on="")  # fmt: skip
        url = self.record_url(record)
        etag = self.call("bob", "get", url)["ETag"]
        change = {"remediation_status": "done", "remediated_on": YESTERDAY,
                  "remediation_due": None}  # fmt: skip
        self.assertEqual(self.call("bob", "patch", url, change).status_code, 428)
        r = self.call("bob", "patch", url, change, **{"If-Match": etag})
        self.assertEqual(r.status_code, 200, r.content)
        record.refresh_from_db()
        self.assertEqual(record.version, 2)
        self.assertEqual(record.data["remediation_status"], "done")
        self.assertIsNone(record.data["remediation_due"])  # null cleared it
        self.assertEqual(record.data["performer"], "診断株式会社")  # left out: kept
        self.assertEqual(record.versions.count(), 2)
        event = Event.objects.get(action="record.update", object_id=str(record.pk))
        self.assertEqual(event.changes["remediation_status"], ["planned", "done"])
        # alice read it before bob's change: her ETag no longer fits.
        r = self.call("alice", "patch", url, {"performer": "上書き"}, **{"If-Match": etag})
        self.assertEqual(r.status_code, 412)
        self.assertIn("記録を変更しました", r.json()["detail"])
        record.refresh_from_db()
        self.assertEqual((record.version, record.data["performer"]), (2, "診断株式会社"))

    def test_bad_input_names_its_field_and_keeps_nothing(self):
        body = record_body("admin_review")
        accounts = body["accounts"]
        cases = [
            ({"reviewr": "typo"}, "reviewr", "受け付けません"),
            ({"date": TOMORROW}, "date", "未来の日付"),
            ({"date": "きのう"}, "date", ""),
            ({"accounts": "sysadmin01, 佐藤 花子"}, "accounts", ""),  # a list, not lines
            ({"accounts": []}, "accounts", ""),
            ({"accounts": [*accounts, {"account": "root", "holder": "管理者"}]}, "accounts",
             "3件目: 「管理者」は人の名前ではありません"),
            ({"accounts": [{"account": "root"}]}, "accounts", "holder"),  # entry 0 names it
            ({"accounts": [{"account": "a", "holder": "佐藤", "role": "x"}]}, "accounts", ""),
            ({"accounts": [{"account": "a\x00", "holder": "佐藤"}]}, "accounts", ""),
            ({"accounts": [{"account": "a", "holder": "佐藤"}] * 201}, "accounts", ""),
            ({"removed": [{"account": "old", "day": "令和99年"}]}, "removed", "日付として読めません"),
            ({"result": "\u202e反転"}, "result", ""),
            ({"next_review": YESTERDAY}, "next_review", "点検日より後"),
            ({"reviewer": ["山田"]}, "reviewer", ""),
        ]  # fmt: skip
        for change, field, message in cases:
            with self.subTest(change=str(change)[:60]):
                r = self.call("bob", "post", self.add_url("admin_review"), body | change)
                self.assertEqual(r.status_code, 400, r.content)
                self.assertEqual(r["Content-Type"], "application/problem+json")
                problem = r.json()
                self.assertTrue(problem["detail"])
                self.assertIn(field, problem["errors"])
                self.assertIn(message, str(problem["errors"][field]))
        cloud = record_body("cloud") | {"registration": "liu", "number": "C21-0001-1"}
        r = self.call("bob", "post", self.add_url("cloud"), cloud)
        self.assertIn("L で始まります", str(r.json()["errors"]["number"]))
        self.assertFalse(Record.objects.exists())
        self.assertFalse(Event.objects.filter(action__startswith="record.").exists())

    def test_a_record_is_reached_only_at_its_own_kinds_address(self):
        record = add_record("backup", self.system, self.bob)
        wrong = reverse("api:record_cloud", args=[self.system.pk, record.pk])
        self.assertEqual(self.call("bob", "get", wrong).status_code, 404)
        r = self.call("bob", "patch", wrong, {"region": "大阪"},
                      **{"If-Match": f'"record-{record.pk}-1"'})  # fmt: skip
        self.assertEqual(r.status_code, 404)
        self.assertEqual(self.call("bob", "get", self.record_url(record)).status_code, 200)

    def test_a_scan_is_cited_only_from_the_records_own_system(self):
        mine = make_scan(self.system, {"tls-version": "pass"})
        body = record_body("vuln_assessment") | {"scan": mine.pk}
        r = self.call("bob", "post", self.add_url("vuln_assessment"), body)
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["scan"], mine.pk)
        theirs = make_scan(
            self.other_system(), {"tls-version": "pass"}, url="https://other.example.lg.jp/"
        )
        r = self.call("bob", "post", self.add_url("vuln_assessment"), body | {"scan": theirs.pk})
        self.assertEqual(r.status_code, 400)
        self.assertIn("scan", r.json()["errors"])

    def other_system(self):
        return make_system(self.zeimu, [self.beta], created_by=self.rita)

    def test_withdrawn_it_leaves_the_list_and_is_no_longer_corrected(self):
        record = add_record("log_review", self.system, self.bob)
        withdraw = reverse("api:record_withdraw", args=[self.system.pk, record.pk])
        r = self.call("bob", "post", withdraw, {"reason": ""})
        self.assertEqual(r.status_code, 400)
        self.assertIsNone(Record.objects.get().withdrawn_at)
        r = self.call("bob", "post", withdraw, {"reason": "重複"})
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["withdraw_reason"], "重複")
        listed = reverse("api:records", args=[self.system.pk])
        self.assertEqual(self.call("bob", "get", listed).json()["count"], 1)
        self.assertEqual(self.call("bob", "get", listed + "?withdrawn=false").json()["count"], 0)
        r = self.call("bob", "patch", self.record_url(record), {"findings": "x"},
                      **{"If-Match": f'"record-{record.pk}-1"'})  # fmt: skip
        self.assertEqual(r.status_code, 403)
        files = reverse("api:record_files", args=[self.system.pk, record.pk])
        r = self.call("bob", "post", files,
                      {"label": "other", "file": SimpleUploadedFile("a.txt", b"x")})  # fmt: skip
        self.assertEqual(r.status_code, 403)
        self.assertTrue(Event.objects.filter(action="record.withdraw").exists())

    def test_files_follow_the_kinds_labels_and_the_webs_checks(self):
        record = add_record("disposal", self.system, self.bob)
        url = reverse("api:record_files", args=[self.system.pk, record.pk])
        photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        r = self.call("bob", "post", url,
                      {"label": "before", "file": SimpleUploadedFile("前.png", photo)})  # fmt: skip
        self.assertEqual(r.status_code, 201, r.content)
        attached = r.json()
        self.assertEqual((attached["label"], attached["filename"]), ("before", "前.png"))
        review = add_record("admin_review", self.system, self.bob)
        r = self.call("bob", "post", reverse("api:record_files", args=[self.system.pk, review.pk]),
                      {"label": "before", "file": SimpleUploadedFile("前.png", photo)})  # fmt: skip
        self.assertEqual(r.status_code, 400)
        self.assertIn("付けられる区分", str(r.json()["errors"]["label"]))
        r = self.call("bob", "post", url,
                      {"label": "other", "file": SimpleUploadedFile("a.exe", b"MZ\x90\x00")})  # fmt: skip
        self.assertEqual(r.status_code, 400)
        self.assertIn("file", r.json()["errors"])
        detail = self.call("audrey", "get", self.record_url(record)).json()
        self.assertEqual([f["id"] for f in detail["files"]], [attached["id"]])
        download = reverse("api:record_file", args=[self.system.pk, record.pk, attached["id"]])
        r = self.call("audrey", "get", download)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(b"".join(r.streaming_content) if r.streaming else r.content, photo)

    def test_the_ward_and_the_vendor_talk_about_a_record(self):
        record = add_record("certification", self.system, self.bob)
        url = reverse("api:record_comments", args=[self.system.pk, record.pk])
        r = self.call("rita", "post", url, {"body": "更新後の証明書を添えてください。"})
        self.assertEqual(r.status_code, 201, r.content)
        r = self.call("bob", "post", url, {"body": "\u202e"})
        self.assertEqual(r.status_code, 400)
        listed = self.call("bob", "get", url).json()
        self.assertEqual([(c["author"], c["body"]) for c in listed],
                         [("rita", "更新後の証明書を添えてください。")])  # fmt: skip

    def test_the_records_of_the_operating_years_are_listed(self):
        kept = Record.objects.create(
            system=self.system, kind="certification", date=timezone.localdate(),
            data={"name": "ISMS"}, entered_by=self.bob, updated_by=self.bob,
        )  # fmt: skip
        r = self.call("audrey", "get", reverse("api:records", args=[self.system.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual([(x["id"], x["kind"], x["data"]) for x in r.json()["results"]],
                         [(kept.pk, "certification", {"name": "ISMS"})])  # fmt: skip
