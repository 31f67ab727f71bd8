import datetime
import re
from datetime import date, timedelta

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kakunin.assessments.actions import submit, update_answer
from kakunin.assessments.models import State, Status
from kakunin.audit.models import Event
from kakunin.evidence.actions import add_evidence, remove_evidence
from kakunin.evidence.models import Evidence
from kakunin.notifications.models import Notification
from kakunin.reviews import actions as review
from testsupport.fixtures import BaseTestCase, fill_everything

HX = {"HX-Request": "true"}


class SubmitTestCase(BaseTestCase):
    def test_a_vendor_submits_only_when_every_applicable_item_is_answered(self):
        self.client.force_login(self.bob)
        r = self.client.post(reverse("assessments:submit", args=[self.assessment.pk]), follow=True)
        self.assertContains(r, "未完了の項目があるため提出できません")
        self.assertContains(r, "No.1 情報資産: 対応状況が未回答です")
        self.assessment.refresh_from_db()
        self.assertEqual(self.assessment.state, State.DRAFT)

    def test_partial_or_not_done_need_a_plan_and_a_date_and_na_a_reason(self):
        fill_everything(self.assessment, self.bob)
        answer = self.answer("pw-rotation")
        update_answer(
            actor=self.bob,
            answer=answer,
            values={"status": Status.PARTIAL},
            expected_version=None,
            source="web",
        )
        self.client.force_login(self.bob)
        r = self.client.post(reverse("assessments:submit", args=[self.assessment.pk]), follow=True)
        self.assertContains(
            r, "No.6 パスワードの変更: 「一部対応」「未対応」には対応予定と対応予定日が必要です"
        )
        update_answer(
            actor=self.bob, answer=answer, values={"plan": "MFA導入後に見直す", "target_date": date(2027, 3, 31)},
            expected_version=None, source="web",
        )  # fmt: skip
        r = self.client.post(reverse("assessments:submit", args=[self.assessment.pk]), follow=True)
        self.assertContains(r, "提出しました")
        self.assessment.refresh_from_db()
        self.assertEqual((self.assessment.state, self.assessment.round), (State.SUBMITTED, 1))

    def test_submission_is_audited_and_the_ward_is_told(self):
        fill_everything(self.assessment, self.bob)
        with self.captureOnCommitCallbacks(execute=True):
            submit(actor=self.bob, assessment=self.assessment)
        self.assertTrue(Event.objects.filter(action="assessment.submit", actor=self.bob).exists())
        told = set(
            Notification.objects.filter(kind="submitted").values_list("user__username", flat=True)
        )
        self.assertEqual(told, {"rita", "alice"})
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox), ["alice@example.org", "rita@example.org"]
        )
        self.assertIn("提出", mail.outbox[0].subject)

    def test_a_submitted_assessment_is_locked(self):
        fill_everything(self.assessment, self.bob)
        submit(actor=self.bob, assessment=self.assessment)
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("assessments:save_item", args=[self.assessment.pk, "pw-composition"]),
            {
                "pw-composition-status": "partial",
                "pw-composition-version": self.answer("pw-composition").version,
            },
            headers=HX,
        )
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.answer("pw-composition").status, Status.DONE)


class ReviewCycleTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        fill_everything(cls.assessment, cls.bob)
        submit(actor=cls.bob, assessment=cls.assessment)

    def post(self, user, name, **data):
        self.client.force_login(user)
        return self.client.post(
            reverse(
                f"{'assessments' if name == 'submit' else 'reviews'}:{name}",
                args=[self.assessment.pk],
            ),
            data,
            follow=True,
        )

    def verdict(self, key, verdict, comment=""):
        self.client.force_login(self.rita)
        url = reverse("reviews:verdict", args=[self.assessment.pk, key])
        return self.client.post(url, {"verdict": verdict, "comment": comment}, headers=HX)

    def test_the_whole_cycle(self):
        self.post(self.rita, "start_review")
        self.assessment.refresh_from_db()
        self.assertEqual(self.assessment.state, State.IN_REVIEW)

        r = self.verdict("pw-composition", "fix")
        self.assertContains(r, "「要修正」「要確認」にはコメントを書いてください")
        self.verdict("pw-composition", "fix", "記号を含める旨を追記してください")
        self.verdict("backup-offsite", "question", "遠隔地はどこですか？")
        with self.captureOnCommitCallbacks(execute=True):
            r = self.post(self.rita, "return")
        self.assertContains(r, "差し戻しました")
        self.assessment.refresh_from_db()
        self.assertEqual(self.assessment.state, State.RETURNED)
        self.assertTrue(Notification.objects.filter(user=self.bob, kind="returned").exists())
        self.assertTrue(Notification.objects.filter(user=self.bob, kind="question").exists())

        # Only the returned items can change.
        self.client.force_login(self.bob)
        ok = self.client.post(
            reverse("assessments:save_item", args=[self.assessment.pk, "pw-composition"]),
            {"pw-composition-status": "done", "pw-composition-text": "12桁以上、記号を含む3種類以上", "pw-composition-version": self.answer("pw-composition").version},
            headers=HX,
        )  # fmt: skip
        self.assertEqual(ok.status_code, 200)
        locked = self.client.post(
            reverse("assessments:save_item", args=[self.assessment.pk, "pw-rotation"]),
            {
                "pw-rotation-status": "not_done",
                "pw-rotation-version": self.answer("pw-rotation").version,
            },
            headers=HX,
        )
        self.assertEqual(locked.status_code, 403)
        self.client.post(
            reverse("reviews:comment", args=[self.assessment.pk, "backup-offsite"]),
            {"body": "大阪のデータセンターです"},
            headers=HX,
        )

        r = self.post(self.bob, "submit")
        self.assessment.refresh_from_db()
        self.assertEqual((self.assessment.state, self.assessment.round), (State.RESUBMITTED, 2))

        # The reviewer sees what changed since the last submission.
        self.post(self.rita, "start_review")
        self.client.force_login(self.rita)
        r = self.client.get(reverse("reviews:review", args=[self.assessment.pk]))
        # The changed answer, and the item the vendor replied on (a new comment).
        self.assertContains(r, "変わった項目: 2 件")
        self.assertContains(r, "12桁以上、記号を含む3種類以上")
        self.assertContains(r, "大阪のデータセンターです")
        self.assertContains(r, "No.5 対応済み")

        r = self.post(self.rita, "approve")
        self.assertContains(r, "「適合」でない項目があるため承認できません")
        self.verdict("pw-composition", "ok")
        self.verdict("backup-offsite", "ok", "了解しました")
        self.post(self.rita, "mark_ok")
        with self.captureOnCommitCallbacks(execute=True):
            r = self.post(self.rita, "approve")
        self.assertContains(r, "承認しました")
        self.assessment.refresh_from_db()
        self.assertEqual(self.assessment.state, State.APPROVED)
        self.assertEqual(self.assessment.approved_by, self.rita)
        self.assertTrue(Notification.objects.filter(user=self.bob, kind="approved").exists())
        actions_done = list(
            Event.objects.filter(object_type="assessments.assessment").values_list(
                "action", flat=True
            )
        )
        for action in [
            "assessment.submit",
            "assessment.start_review",
            "assessment.return",
            "assessment.approve",
        ]:
            self.assertIn(action, actions_done)

        # Approved answers are frozen; a change needs a new revision.
        self.client.force_login(self.alice)
        r = self.client.post(
            reverse("assessments:save_item", args=[self.assessment.pk, "pw-rotation"]),
            {
                "pw-rotation-status": "not_done",
                "pw-rotation-version": self.answer("pw-rotation").version,
            },
            headers=HX,
        )
        self.assertEqual(r.status_code, 403)
        r = self.post(self.alice, "new_revision")
        self.assertContains(r, "新しい版を作成しました")
        revision = self.system.assessments.get(revision=2)
        self.assertEqual(revision.state, State.DRAFT)
        self.assertEqual(revision.previous, self.assessment)
        self.assertEqual(
            revision.answers.get(item__key="pw-composition").text, "12桁以上、記号を含む3種類以上"
        )
        self.assertIn("第2版", revision.phase_label)

    def test_returning_needs_an_item_to_return(self):
        self.post(self.rita, "start_review")
        r = self.post(self.rita, "return")
        self.assertContains(r, "「要修正」か「要確認」の項目がないため差し戻せません")

    def test_only_the_security_reviewer_returns_and_approves(self):
        self.post(self.rita, "start_review")
        self.assertEqual(self.post(self.alice, "approve").status_code, 403)
        self.assertEqual(self.post(self.bob, "return").status_code, 403)

    def test_verdicts_need_the_review_to_have_started(self):
        r = self.verdict("pw-composition", "ok")
        self.assertContains(r, "審査中の確認票にだけ審査結果を付けられます")


class SeparationOfDutiesTestCase(ReviewCycleTestCase):
    """The reviewer who gives verdicts and approves never writes the answers."""

    def returned(self):
        self.post(self.rita, "start_review")
        self.verdict("pw-composition", "fix", "記号の扱いを明記してください")
        self.post(self.rita, "return", note="お手数ですが2点ご確認ください。")

    def test_after_a_return_the_reviewer_sees_no_answer_forms_and_no_vendor_wording(self):
        self.returned()
        self.client.force_login(self.rita)
        r = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        html = r.content.decode()
        for offered in ['class="answer-form', ">再提出</button>", "Excel様式を取り込む",
                        "これらの項目だけを修正できます"]:  # fmt: skip
            self.assertFalse(offered in html, f"the reviewer is offered {offered}")
        self.assertTrue("事業者の修正と再提出を待っています" in html)
        # And the vendor, on the same page, gets the forms and the words meant for them.
        self.client.force_login(self.bob)
        html = self.client.get(reverse("assessments:detail", args=[self.assessment.pk])).content
        self.assertTrue("これらの項目だけを修正できます".encode() in html)
        self.assertTrue(b'class="answer-form' in html)

    def test_the_reviewer_cannot_write_an_answer_or_import_or_submit(self):
        self.returned()
        self.client.force_login(self.rita)
        r = self.client.post(
            reverse("assessments:save_item", args=[self.assessment.pk, "pw-composition"]),
            {"pw-composition-status": "done", "pw-composition-text": "審査担当が書いた",
             "pw-composition-version": self.answer("pw-composition").version},
            headers=HX,
        )  # fmt: skip
        self.assertEqual(r.status_code, 403)
        self.assertNotEqual(self.answer("pw-composition").text, "審査担当が書いた")
        self.assertEqual(self.post(self.rita, "submit").status_code, 403)


class ReturnAndConfirmTestCase(ReviewCycleTestCase):
    def test_a_return_carries_a_cover_message_to_the_vendor(self):
        self.post(self.rita, "start_review")
        self.verdict("pw-composition", "fix", "記号の扱いを明記してください")
        with self.captureOnCommitCallbacks(execute=True):
            self.post(self.rita, "return", note="期限は来週金曜日です。よろしくお願いします。")
        self.assessment.refresh_from_db()
        self.assertEqual(
            self.assessment.return_note, "期限は来週金曜日です。よろしくお願いします。"
        )
        notice = Notification.objects.get(user=self.bob, kind="returned")
        self.assertIn("期限は来週金曜日です", notice.body)
        self.assertTrue(
            any("期限は来週金曜日です" in m.body for m in mail.outbox if "bob" in m.to[0])
        )
        self.client.force_login(self.bob)
        r = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertContains(r, "区からの連絡事項")
        self.assertContains(r, "期限は来週金曜日です")
        event = Event.objects.get(action="assessment.return")
        self.assertEqual(
            event.changes["note"], [None, "期限は来週金曜日です。よろしくお願いします。"]
        )

    def test_returning_and_marking_everything_ok_ask_for_confirmation(self):
        self.post(self.rita, "start_review")
        self.client.force_login(self.rita)
        html = self.client.get(reverse("assessments:detail", args=[self.assessment.pk])).content
        html = html.decode()
        mark_ok = re.search(r"<form[^>]*mark-ok/.*?</form>", html, re.S).group(0)
        self.assertRegex(mark_ok, r'data-confirm="審査結果のない \d+ 項目をすべて「適合」にします')
        give_back = re.search(r"<form[^>]*/return/.*?</form>", html, re.S).group(0)
        self.assertIn("data-confirm=", give_back)
        self.assertIn('name="note"', give_back)

    def test_marking_everything_ok_is_offered_only_while_something_is_unjudged(self):
        """Issue 23.10: it was offered with 0 such items, and pressed, said it was done."""
        self.post(self.rita, "start_review")
        self.post(self.rita, "mark_ok")
        self.client.force_login(self.rita)
        page = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertNotContains(page, "未審査の項目をすべて「適合」にする")
        events = Event.objects.filter(action="assessment.mark_ok").count()
        r = self.client.post(reverse("reviews:mark_ok", args=[self.assessment.pk]), follow=True)
        self.assertContains(r, "審査結果のない項目はありません。")
        self.assertNotContains(r, "「適合」にしました")
        self.assertEqual(Event.objects.filter(action="assessment.mark_ok").count(), events)


class DiffTestCase(ReviewCycleTestCase):
    """The diff since the last submission lists what the reviewer asked for: the vendor
    attached evidence to No.45 and replied, and the diff once listed only No.5."""

    def test_it_lists_answers_plans_evidence_and_comments(self):
        old_file = add_evidence(
            actor=self.bob, answer=self.answer("backup-offsite"),
            upload=SimpleUploadedFile("古い手順書.txt", "旧".encode()),
        )  # fmt: skip
        # As if it had been there at the first submission (made in setUp).
        first = self.assessment.submissions.get(round=1).submitted_at
        Evidence.objects.filter(pk=old_file.pk).update(
            uploaded_at=first - datetime.timedelta(hours=1)
        )
        self.post(self.rita, "start_review")
        for key in ("pw-composition", "web-password-rules", "backup-offsite", "log-retention"):
            review.set_verdict(
                actor=self.rita, answer=self.answer(key), verdict="fix", comment="お願いします"
            )
        review.return_assessment(actor=self.rita, assessment=self.assessment)
        update_answer(actor=self.bob, answer=self.answer("pw-composition"),
                      values={"text": "12桁以上、記号を含む"}, expected_version=None, source="web")  # fmt: skip
        add_evidence(actor=self.bob, answer=self.answer("web-password-rules"),
                     upload=SimpleUploadedFile("パスワード設定.txt", "10回".encode()))  # fmt: skip
        review.add_comment(
            actor=self.bob,
            answer=self.answer("web-password-rules"),
            body="設定画面の写しを添付しました",
        )
        remove_evidence(actor=self.bob, evidence=old_file)
        update_answer(actor=self.bob, answer=self.answer("log-retention"),
                      values={"status": "partial", "plan": "2年保存に変更", "target_date": datetime.date(2027, 3, 31)},
                      expected_version=None, source="web")  # fmt: skip
        submit(actor=self.bob, assessment=self.assessment)
        self.client.force_login(self.rita)
        r = self.client.get(reverse("reviews:review", args=[self.assessment.pk]))
        rows = {row.item.key: row for row in r.context["changed"]}
        self.assertEqual(
            set(rows), {"pw-composition", "web-password-rules", "backup-offsite", "log-retention"}
        )
        html = r.content.decode()
        self.assertIn("パスワード設定.txt", html)
        self.assertIn("設定画面の写しを添付しました", html)
        self.assertIn("古い手順書.txt", html)
        self.assertIn("2年保存に変更", html)
        self.assertIn("2027-03-31", html)
        self.assertEqual(
            [e.filename for e in rows["backup-offsite"].details["evidence_removed"]],
            ["古い手順書.txt"],
        )


class DeadlineTestCase(BaseTestCase):
    def test_due_dates_and_overdue_flags(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            reverse("assessments:due_date", args=[self.assessment.pk]),
            {"due_date": "not a date"},
            follow=True,
        )
        self.assertContains(r, "YYYY-MM-DD")
        yesterday = timezone.localdate() - timedelta(days=1)
        self.client.post(
            reverse("assessments:due_date", args=[self.assessment.pk]),
            {"due_date": yesterday.isoformat()},
        )
        self.assessment.refresh_from_db()
        self.assertTrue(self.assessment.is_overdue)
        r = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertContains(r, "（期限超過）")
        self.assertIn(self.assessment, type(self.assessment).objects.overdue())
        self.assertTrue(Event.objects.filter(action="assessment.due_date").exists())
