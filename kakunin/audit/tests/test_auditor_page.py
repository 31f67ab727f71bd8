import csv
import io
import json

from django.urls import reverse

from kakunin.accounts.models import User
from kakunin.assessments.actions import update_answer
from kakunin.audit.models import Event
from kakunin.audit.trail import record
from kakunin.systems.actions import update_system
from testsupport.fixtures import PASSWORD, BaseTestCase


class AuditorPageTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for i in range(120):
            record("test.bulk", cls.system, actor=cls.bob, changes={"i": [None, i]})

    def test_it_pages_through_the_newest_first(self):
        self.client.force_login(self.audrey)
        r = self.client.get(reverse("audit:events"))
        seqs = [e.seq for e in r.context["events"]]
        self.assertEqual(len(seqs), 50)
        self.assertEqual(seqs, sorted(seqs, reverse=True))
        r2 = self.client.get(reverse("audit:events"), {"before": r.context["next_before"]})
        self.assertLess(r2.context["events"][0].seq, seqs[-1])

    def test_it_filters_by_person_action_object_address_and_period(self):
        record("answer.update", self.system, actor=self.alice)
        self.client.force_login(self.audrey)
        r = self.client.get(
            reverse("audit:events"), {"person": self.alice.pk, "action": "answer.update"}
        )
        self.assertEqual([e.action for e in r.context["events"]], ["answer.update"])
        r = self.client.get(
            reverse("audit:events"),
            {
                "object_type": "systems.system",
                "object_id": str(self.system.pk),
                "ip": "203.0.113.1",
            },
        )
        self.assertEqual(r.context["events"], [])
        r = self.client.get(reverse("audit:events"), {"since": "2000-01-01", "until": "2000-01-31"})
        self.assertEqual(r.context["events"], [])

    def test_bad_filters_are_explained(self):
        self.client.force_login(self.audrey)
        r = self.client.get(
            reverse("audit:events"), {"ip": "not-an-ip", "since": "yesterday", "before": "x"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "有効なIPv4またはIPv6アドレスを入力してください", status_code=400)

    def test_the_csv_export_is_itself_audited(self):
        self.client.force_login(self.audrey)
        r = self.client.get(reverse("audit:export"), {"action": "test.bulk"})
        body = b"".join(r.streaming_content).decode("utf-8-sig")
        self.assertEqual(body.count("test.bulk"), 120)
        self.assertTrue(body.startswith("seq,at,actor"))
        event = Event.objects.filter(action="audit.export").latest("seq")
        self.assertEqual(event.actor, self.audrey)
        self.assertEqual(event.changes["filters"][1], {"action": "test.bulk"})

    def test_no_cell_of_the_csv_runs_as_a_formula_and_changes_are_json(self):
        """Issue 23.8 and 23.12: the actor column went out unescaped, so a full name
        =HYPERLINK(…) became a formula; the changes column was a Python repr."""
        User.objects.filter(pk=self.bob.pk).update(full_name='=HYPERLINK("http://evil","x")')
        self.bob.refresh_from_db()
        record("test.formula", self.system, actor=self.bob, label="+cmd|' /C calc'!A0",
               changes={"name": ["-1+1", "@SUM(1)"], "ok": [False, True]})  # fmt: skip
        self.client.force_login(self.audrey)
        r = self.client.get(reverse("audit:export"), {"action": "test.formula"})
        rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
        header, (row,) = rows[0], rows[1:]
        cells = dict(zip(header, row, strict=True))
        self.assertEqual(cells["actor"], "'" + self.bob.audit_label)
        self.assertEqual(cells["object"], "'+cmd|' /C calc'!A0")
        self.assertEqual(
            json.loads(cells["changes"]), {"name": ["-1+1", "@SUM(1)"], "ok": [False, True]}
        )
        for value in row:
            self.assertFalse(value.startswith(("=", "+", "-", "@", "\t", "\r")), value)

    def test_only_auditors_reviewers_and_administrators_see_it(self):
        for persona, code in [
            ("audrey", 200),
            ("rita", 200),
            ("adam", 200),
            ("alice", 404),
            ("bob", 404),
        ]:
            with self.subTest(persona=persona):
                self.client.force_login(getattr(self, persona))
                self.assertEqual(self.client.get(reverse("audit:events")).status_code, code)
                self.assertEqual(self.client.get(reverse("audit:export")).status_code, code)


class AuditCoverageTestCase(BaseTestCase):
    """The trail covers what items 28 and 58④ ask for."""

    def actions(self):
        return set(Event.objects.values_list("action", flat=True))

    def test_ward_staff_viewing_another_departments_data_is_recorded(self):
        self.client.force_login(self.rita)  # 情報政策課, not the owner
        self.client.get(reverse("systems:detail", args=[self.system.pk]))
        self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        views = Event.objects.filter(action="data.view", actor=self.rita)
        self.assertEqual(views.count(), 2)

    def test_the_owning_department_viewing_its_own_data_is_not_noise(self):
        self.client.force_login(self.alice)
        self.client.get(reverse("systems:detail", args=[self.system.pk]))
        self.assertFalse(Event.objects.filter(action="data.view").exists())

    def test_auth_events_are_recorded(self):
        self.client.post(reverse("account_login"), {"login": "alice", "password": "nope-Wrong-1"})
        self.client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
        self.client.post(reverse("account_logout"))
        self.assertTrue({"auth.login_failed", "auth.login", "auth.logout"} <= self.actions())


class ReadableTrailTestCase(BaseTestCase):
    """The page once showed `mfa.enrolled` and `type: [None, 'totp']`."""

    def test_actions_and_changes_read_as_words_in_the_readers_language(self):
        # (A member of the ward's staff: a vendor person's own account events outside any
        # municipality are the service's, in no municipality's trail.)
        record("mfa.enrolled", self.alice, actor=self.alice, changes={"type": [None, "totp"]})
        update_answer(actor=self.bob, answer=self.answer("pw-composition"),
                      values={"status": "done", "text": "12桁"}, expected_version=None, source="web")  # fmt: skip
        self.client.force_login(self.audrey)
        r = self.client.get(reverse("audit:events"))
        html = r.content.decode()
        self.assertIn("二要素認証の登録", html)
        self.assertIn('<strong>種類</strong>: <span class="diff-new">TOTP</span>', html)
        self.assertIn("回答の変更", html)
        self.assertIn('<strong>対応状況</strong>: <span class="diff-new">対応済</span>', html)
        self.assertNotIn("[None, ", html)
        self.assertNotIn("&#x27;totp&#x27;", html)
        self.audrey.language = "en"
        self.audrey.save()
        r = self.client.get(reverse("audit:events"))
        self.assertContains(r, "Two-factor authentication enrolled")
        self.assertContains(r, 'Status</strong>: <span class="diff-new">Done</span>')

    def test_a_change_reads_before_then_after(self):
        update_system(actor=self.alice, system=self.system, data={"confidentiality": 3},
                      vendors=[self.alpha])  # fmt: skip
        self.client.force_login(self.audrey)
        r = self.client.get(reverse("audit:events"), {"action": "system.update"})
        self.assertContains(
            r,
            '<strong>機密性</strong>: <span class="diff-old">2</span> → <span class="diff-new">3</span>',
        )
