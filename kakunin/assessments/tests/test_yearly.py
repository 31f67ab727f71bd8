from django.urls import reverse

from kakunin.assessments.actions import update_answer
from kakunin.assessments.models import AnswerRevision, Assessment
from kakunin.reports.tests.test_pdf import ApprovedTestCase
from kakunin.test import BaseTestCase

HX = {"HX-Request": "true"}


class YearlyAssessmentTestCase(ApprovedTestCase):
    def create(self, carry=True):
        self.client.force_login(self.alice)
        data = {"phase": "operation", "fiscal_year": "2027", "template": self.template.pk}
        if carry:
            data["carry_over"] = "on"
        self.client.post(reverse("systems:create_assessment", args=[self.system.pk]), data)
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
