from django.urls import reverse

from kakunin.audit.models import Event
from kakunin.systems.models import System
from testsupport.fixtures import BaseTestCase

PROFILE = {
    "name": "保育所入所管理システム",
    "department": "",
    "description": "入所申請の受付と選考",
    "asset_categories": ["personal", "sensitive"],
    "asset_notes": "氏名、住所、家族構成",
    "confidentiality": "3",
    "integrity": "2",
    "availability": "1",
    "serves_web": "on",
    "uses_external_services": "on",
}


class CreateSystemTestCase(BaseTestCase):
    def data(self, **overrides):
        return PROFILE | {"department": self.kodomo.pk, "vendors": [self.alpha.pk]} | overrides

    def test_it_registers_a_system_with_its_profile(self):
        self.client.force_login(self.alice)
        r = self.client.post(reverse("systems:create"), self.data())
        system = System.objects.get(name="保育所入所管理システム")
        self.assertRedirects(r, reverse("systems:detail", args=[system.pk]))
        self.assertEqual(system.department, self.kodomo)
        self.assertEqual(list(system.vendors.all()), [self.alpha])
        self.assertEqual(system.asset_categories, ["personal", "sensitive"])
        self.assertEqual((system.confidentiality, system.integrity, system.availability), (3, 2, 1))
        self.assertTrue(system.serves_web and system.uses_external_services)
        self.assertFalse(system.uses_servers)
        event = Event.objects.get(action="system.create")
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(event.changes["name"], [None, "保育所入所管理システム"])

    def test_department_staff_register_for_their_own_department_only(self):
        self.client.force_login(self.alice)
        r = self.client.post(reverse("systems:create"), self.data(department=self.zeimu.pk))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "正しく選択してください")
        self.assertFalse(System.objects.filter(name="保育所入所管理システム").exists())

    def test_it_explains_bad_input_and_saves_nothing(self):
        self.client.force_login(self.rita)
        r = self.client.post(
            reverse("systems:create"),
            self.data(
                name="", confidentiality="9", vendors=[self.kodomo.pk], asset_categories=["x"]
            ),
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "入力内容に誤りがあります")
        self.assertContains(r, "このフィールドは必須です。")
        self.assertEqual(System.objects.count(), 1)
        self.assertFalse(Event.objects.filter(action="system.create").exists())

    def test_a_name_too_long_is_refused(self):
        self.client.force_login(self.rita)
        r = self.client.post(reverse("systems:create"), self.data(name="あ" * 201))
        self.assertContains(r, "200 文字以下")

    def test_the_detail_page_shows_every_item_and_why(self):
        self.client.force_login(self.alice)
        r = self.client.get(reverse("systems:detail", args=[self.system.pk]))
        self.assertContains(r, "83項目のうち 70項目が適用されます")
        self.assertContains(r, 'id="applicability-web-account-lockout"')
        self.assertContains(
            r, "【機密性または完全性の重要度が「高」の場合】 非該当（機密性2、完全性1）"
        )
        self.assertContains(r, "【サーバ・ネットワーク機器を利用する場合】 非該当")


class EditSystemTestCase(BaseTestCase):
    def test_changing_the_profile_re_evaluates_and_keeps_answers(self):
        answer = self.answer("cloud-support")
        answer.status, answer.text = "done", "窓口あり"
        answer.save()
        self.client.force_login(self.alice)
        data = PROFILE | {
            "name": self.system.name,
            "department": self.kodomo.pk,
            "vendors": [self.alpha.pk],
        }
        self.client.post(reverse("systems:edit", args=[self.system.pk]), data)
        r = self.client.get(reverse("systems:detail", args=[self.system.pk]))
        # Now: web + external + high: everything but 14–15 applies.
        self.assertContains(r, "83項目のうち 81項目が適用されます")
        data.pop("uses_external_services")
        self.client.post(reverse("systems:edit", args=[self.system.pk]), data)
        r = self.client.get(reverse("systems:detail", args=[self.system.pk]))
        self.assertContains(r, "83項目のうち 75項目が適用されます")
        self.assertEqual(self.answer("cloud-support").text, "窓口あり")
        event = Event.objects.filter(action="system.update").latest("seq")
        self.assertEqual(event.changes["uses_external_services"], [True, False])

    def test_an_unchanged_save_writes_no_event(self):
        self.client.force_login(self.alice)
        data = {
            "name": self.system.name,
            "department": self.kodomo.pk,
            "vendors": [self.alpha.pk],
            "confidentiality": "2",
            "integrity": "1",
            "availability": "1",
            "serves_web": "on",
        }
        self.client.post(reverse("systems:edit", args=[self.system.pk]), data)
        self.assertFalse(Event.objects.filter(action="system.update").exists())


class CreateAssessmentTestCase(BaseTestCase):
    def url(self):
        return reverse("assessments:create", args=[self.system.pk])

    def test_it_creates_a_yearly_assessment_pinned_to_the_template(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url(), {"phase": "operation", "fiscal_year": "2026", "template": self.template.pk}
        )
        assessment = self.system.assessments.get(fiscal_year=2026)
        self.assertRedirects(r, reverse("assessments:detail", args=[assessment.pk]))
        self.assertEqual(assessment.template, self.template)
        self.assertEqual(assessment.answers.count(), 83)
        self.assertEqual(assessment.phase_label, "運用時（2026年度）")

    def test_it_refuses_a_second_initial_or_a_yearly_one_without_a_year(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url(), {"phase": "initial", "template": self.template.pk}, follow=True
        )
        self.assertContains(r, "新規構築時の確認票は既にあります")
        r = self.client.post(
            self.url(),
            {"phase": "operation", "fiscal_year": "", "template": self.template.pk},
            follow=True,
        )
        self.assertContains(r, "年度を入力してください")
        r = self.client.post(
            self.url(),
            {"phase": "operation", "fiscal_year": "abc", "template": self.template.pk},
            follow=True,
        )
        self.assertContains(r, "整数を入力してください")
        self.assertEqual(self.system.assessments.count(), 1)
