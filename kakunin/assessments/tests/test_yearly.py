from django.urls import reverse

from kakunin.assessments.actions import update_answer
from kakunin.assessments.models import Answer, AnswerRevision, Assessment
from kakunin.audit.models import Event
from kakunin.audit.trail import record
from kakunin.reports.tests.test_pdf import ApprovedTestCase
from kakunin.systems.models import System
from testsupport.fixtures import BaseTestCase

HX = {"HX-Request": "true"}


class YearlyAssessmentTestCase(ApprovedTestCase):
    def create(self, carry=True):
        self.client.force_login(self.alice)
        data = {"phase": "operation", "fiscal_year": "2027", "template": self.template.pk}
        if carry:
            data["carry_over"] = "on"
        self.client.post(reverse("assessments:create", args=[self.system.pk]), data)
        return Assessment.objects.get(fiscal_year=2027)

    def test_last_years_approved_answers_are_the_starting_point(self):
        yearly = self.create()
        self.assertEqual(yearly.previous, self.assessment)
        answer = yearly.answers.get(item__key="pw-composition")
        self.assertEqual(answer.text, "No.5 対応済み")
        self.assertEqual(answer.revisions.get().source, AnswerRevision.Source.CARRYOVER)
        self.assertEqual(answer.verdict, "")  # the ward judges again

    def test_what_changed_since_is_marked(self):
        yearly = self.create()
        update_answer(
            actor=self.bob, answer=yearly.answers.get(item__key="pw-composition"),
            values={"text": "今年から16桁以上"}, expected_version=None, source="web",
        )  # fmt: skip
        self.client.force_login(self.bob)
        html = self.client.get(reverse("assessments:detail", args=[yearly.pk])).content.decode()
        changed = html[html.index('id="item-pw-composition"') :]
        unchanged = html[html.index('id="item-pw-rotation"') :]
        self.assertIn("前回の承認済み回答から変更", changed[: changed.index("</article>")])
        self.assertNotIn("前回の承認済み回答から変更", unchanged[: unchanged.index("</article>")])

    def test_carried_answers_keep_their_author_and_date_and_say_so(self):
        last_year = self.assessment.answers.get(item__key="pw-composition")
        yearly = self.create()  # created by alice
        answer = yearly.answers.get(item__key="pw-composition")
        self.assertEqual((answer.updated_by, answer.updated_at), (self.bob, last_year.updated_at))
        self.assertTrue(answer.carried)
        self.client.force_login(self.bob)
        r = self.client.get(reverse("assessments:detail", args=[yearly.pk]))
        html = r.content.decode()
        block = html[html.index('id="item-pw-composition"') :]
        block = block[: block.index("</article>")]
        self.assertIn("新規構築時の回答から引継ぎ", block)  # last approved: the initial one
        self.assertIn("最終更新: Bob", block)
        self.assertNotIn("最終更新: Alice", block)
        self.assertIn('id="carried-notice"', html)

    def test_editing_or_confirming_ends_the_mark(self):
        yearly = self.create()
        edited = yearly.answers.get(item__key="pw-composition")
        update_answer(actor=self.bob, answer=edited, values={"text": "16桁"},
                      expected_version=None, source="web")  # fmt: skip
        self.assertFalse(edited.carried)
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("assessments:confirm", args=[yearly.pk, "pw-rotation"]), headers=HX
        )
        self.assertEqual(r.status_code, 200)
        confirmed = yearly.answers.get(item__key="pw-rotation")
        self.assertFalse(confirmed.carried)
        self.assertEqual(confirmed.updated_by, self.bob)
        self.assertEqual(confirmed.revisions.first().source, AnswerRevision.Source.CONFIRM)
        self.assertTrue(Event.objects.filter(action="answer.confirm", actor=self.bob).exists())
        self.assertNotIn("引継ぎ", r.content.decode())
        # A reviewer cannot confirm what the vendor wrote.
        self.client.force_login(self.rita)
        r = self.client.post(reverse("assessments:confirm", args=[yearly.pk, "backup-offsite"]))
        self.assertEqual(r.status_code, 403)
        self.assertTrue(yearly.answers.get(item__key="backup-offsite").carried)

    def test_it_is_not_submitted_while_a_carried_answer_is_unconfirmed(self):
        """Issue 23.10: it could be submitted with last year's answers unread."""
        yearly = self.create()
        self.client.force_login(self.bob)
        submit_url = reverse("assessments:submit", args=[yearly.pk])
        r = self.client.post(submit_url, follow=True)
        self.assertContains(r, "引き継いだ回答がまだ確認されていません")
        yearly.refresh_from_db()
        self.assertEqual(yearly.state, "draft")
        for answer in yearly.answers.select_related("item").filter(carried=True):
            if not answer.item.is_ward_item:
                self.client.post(reverse("assessments:confirm", args=[yearly.pk, answer.item.key]))
        self.client.post(submit_url)
        yearly.refresh_from_db()
        self.assertEqual(yearly.state, "submitted")

    def test_a_status_that_becomes_done_drops_the_old_plan(self):
        Answer.objects.filter(pk=self.answer("pw-composition").pk).update(
            status="partial", plan="来年度に対応", target_date="2027-06-30"
        )
        yearly = self.create()
        answer = yearly.answers.get(item__key="pw-composition")
        self.assertEqual(answer.plan, "来年度に対応")
        update_answer(actor=self.bob, answer=answer, values={"status": "done"},
                      expected_version=None, source="web")  # fmt: skip
        self.assertEqual((answer.plan, answer.target_date), ("", None))

    def test_the_mark_names_where_the_answer_came_from(self):
        last = Assessment(phase="operation", fiscal_year=2026)
        this = Assessment(phase="operation", fiscal_year=2027, previous=last)
        self.assertEqual(this.carried_label, "前年度から引継ぎ")
        self.assertEqual(
            Assessment(phase="operation", fiscal_year=2026, previous=last).carried_label,
            "前の版から引継ぎ",
        )

    def test_one_can_start_blank(self):
        yearly = self.create(carry=False)
        self.assertIsNone(yearly.previous)
        self.assertEqual(yearly.answers.get(item__key="pw-composition").text, "")


class SameAsRelatedItemTestCase(BaseTestCase):
    def test_an_answer_can_be_copied_from_a_related_item(self):
        update_answer(
            actor=self.bob, answer=self.answer("web-password-rules"),
            values={"status": "done", "text": "12桁以上・英大小数字"}, expected_version=None, source="web",
        )  # fmt: skip
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("assessments:copy", args=[self.assessment.pk, "pw-composition"]),
            {"source": "web-password-rules"},
            headers=HX,
        )
        self.assertContains(r, "12桁以上・英大小数字")
        answer = self.answer("pw-composition")
        self.assertEqual((answer.status, answer.text), ("done", "12桁以上・英大小数字"))
        self.assertEqual(answer.revisions.first().source, AnswerRevision.Source.COPY)
        page = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertContains(page, "No.42と同じ回答にする")

    def copy(self):
        return self.client.post(
            reverse("assessments:copy", args=[self.assessment.pk, "pw-composition"]),
            {"source": "web-password-rules"},
            headers=HX,
        )

    def test_the_button_is_offered_only_where_there_is_something_to_copy(self):
        """Issue 23.7: No.42 was offered on a system without a web screen."""
        self.client.force_login(self.bob)
        detail = reverse("assessments:detail", args=[self.assessment.pk])
        self.assertNotContains(self.client.get(detail), "No.42と同じ回答にする")  # unanswered
        update_answer(
            actor=self.bob, answer=self.answer("web-password-rules"),
            values={"status": "done", "text": "12桁以上"}, expected_version=None, source="web",
        )  # fmt: skip
        self.assertContains(self.client.get(detail), "No.42と同じ回答にする")
        System.objects.filter(pk=self.system.pk).update(serves_web=False)
        record("test.profile", self.system)  # the kept page follows the chain's head
        self.assertNotContains(self.client.get(detail), "No.42と同じ回答にする")  # 適用外

    def test_pressing_it_anyway_says_why_and_saves_nothing(self):
        System.objects.filter(pk=self.system.pk).update(serves_web=False)
        self.client.force_login(self.bob)
        r = self.copy()
        self.assertContains(r, "No.42 は適用外か未回答のため、写せる回答がありません。")
        self.assertNotContains(r, "保存しました")
        answer = self.answer("pw-composition")
        self.assertEqual((answer.status, answer.text, answer.version), ("", "", 0))
        # Without htmx: the same, as a message on the page.
        r = self.client.post(
            reverse("assessments:copy", args=[self.assessment.pk, "pw-composition"]),
            {"source": "web-password-rules"},
            follow=True,
        )
        self.assertContains(r, "写せる回答がありません")
        self.assertNotContains(r, "の回答を保存しました")

    def test_copying_the_same_answer_again_says_nothing_changed(self):
        update_answer(
            actor=self.bob, answer=self.answer("web-password-rules"),
            values={"status": "done", "text": "12桁以上"}, expected_version=None, source="web",
        )  # fmt: skip
        self.client.force_login(self.bob)
        self.assertContains(self.copy(), "保存しました")
        again = self.copy()
        self.assertContains(again, "No.42 と同じ回答です（変更なし）。")
        self.assertNotContains(again, "保存しました")
        self.assertEqual(self.answer("pw-composition").version, 1)

    def test_only_related_items_can_be_copied(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("assessments:copy", args=[self.assessment.pk, "pw-composition"]),
            {"source": "backup-offsite"},
        )
        self.assertEqual(r.status_code, 404)


class LanguagePreferenceTestCase(BaseTestCase):
    def test_a_person_keeps_their_language_on_any_browser(self):
        self.client.force_login(self.bob)
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.language, "en")
        fresh = self.client_class()  # another browser: no language cookie
        fresh.force_login(self.bob)
        r = fresh.get(reverse("dashboards:home"))
        self.assertContains(r, "Dashboard")
        self.assertContains(r, '<html lang="en">')

    def test_japanese_is_the_default(self):
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(reverse("dashboards:home")), "ダッシュボード")
