from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kakunin.assessments.actions import create_assessment, update_answer
from kakunin.assessments.models import Answer, Assessment, State
from testsupport.fixtures import BaseTestCase, fill_everything, make_scan, make_system


class DashboardTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        other = make_system(cls.zeimu, [cls.beta], created_by=cls.dave, name="税務システム")
        cls.tax = create_assessment(
            actor=cls.dave, system=other, template=cls.template, phase="initial"
        )
        Assessment.objects.filter(pk=cls.tax.pk).update(
            state=State.SUBMITTED, submitted_at=timezone.now()
        )
        Assessment.objects.filter(pk=cls.assessment.pk).update(
            due_date=timezone.localdate() - timedelta(days=2)
        )
        update_answer(
            actor=cls.bob,
            answer=cls.assessment.answers.get(item__key="pw-composition"),
            values={"status": "done", "text": "x"},
            expected_version=None,
            source="web",
        )

    def test_the_ward_sees_states_queue_overdue_and_the_chart(self):
        self.client.force_login(self.rita)
        r = self.client.get(reverse("dashboards:home"))
        states = {value: n for value, _label, n in r.context["states"]}
        self.assertEqual((states["draft"], states["submitted"]), (1, 1))
        self.assertEqual([a.pk for a in r.context["queue"]], [self.tax.pk])
        self.assertEqual([a.pk for a in r.context["overdue"]], [self.assessment.pk])
        bars = {b.label: b for b in r.context["chart"].bars}
        # Both systems' items 5 and 6 apply; one answer was given, none judged yet.
        pw = bars["パスワード設定管理について"]
        self.assertEqual((pw.applicable, pw.answered, pw.accepted), (4, 1, 0))
        self.assertContains(r, "<svg")
        self.assertContains(r, "回答 25%・適合 0%")

    def test_department_staff_see_only_their_systems(self):
        self.client.force_login(self.alice)
        r = self.client.get(reverse("dashboards:home"))
        self.assertEqual(list(r.context["queue"]), [])

        self.assertNotContains(r, "税務システム")

    def test_the_vendor_sees_what_is_asked_of_it(self):
        self.client.force_login(self.bob)
        r = self.client.get(reverse("dashboards:home"))
        self.assertEqual([a.pk for a in r.context["asked"]], [self.assessment.pk])
        self.assertContains(r, "回答して提出（回答済 6 項目）")
        self.assertContains(r, "（期限超過）")
        self.assertNotContains(r, "税務システム")


class ChartTestCase(BaseTestCase):
    """Every section once showed 100% although one of two systems had 78 unanswered
    items and three 対応済 answers failed the scan."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        fill_everything(cls.assessment, cls.bob)
        make_scan(
            cls.system, {"https": "fail", "server-certificate": "fail", "tls-version": "fail"}
        )
        tax = make_system(cls.zeimu, [], created_by=cls.dave, name="税務システム", serves_web=True)
        create_assessment(actor=cls.dave, system=tax, template=cls.template, phase="initial")

    def setUp(self):
        super().setUp()
        self.client.force_login(self.rita)

    def bars(self, **query):
        r = self.client.get(reverse("dashboards:home"), query)
        return r, {b.label: b for b in r.context["chart"].bars}

    def test_answered_and_accepted_are_counted_against_what_applies(self):
        r, bars = self.bars()
        tls = bars["通信の暗号化"]  # items 59-61 apply to both web systems
        self.assertEqual((tls.applicable, tls.answered, tls.accepted), (6, 3, 0))
        self.assertEqual(tls.conflicts, 3)
        self.assertContains(r, "回答 50%・適合 0%")
        # The 区で対応 items are answered on both systems from the start: those are 100%.
        self.assertEqual(bars["端末の管理・対策について"].answered_percent, 100)
        self.assertContains(r, "⚠ 3")
        self.assertEqual(r.context["systems"], 2)

    def test_the_systems_counted_can_be_chosen(self):
        r, bars = self.bars(department=self.zeimu.pk)
        self.assertEqual(r.context["systems"], 1)
        tls = bars["通信の暗号化"]
        self.assertEqual((tls.applicable, tls.answered, tls.conflicts), (3, 0, 0))

    def test_accepted_follows_the_verdicts(self):
        Answer.objects.filter(assessment=self.assessment, item__number__in=[59, 60]).update(
            verdict="ok"
        )
        _r, bars = self.bars()
        self.assertEqual(bars["通信の暗号化"].accepted, 2)


class ListTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        """60 systems with 83 answers each, built once for the class."""
        super().setUpTestData()
        for i in range(60):
            system = make_system(
                cls.kodomo, [cls.alpha], created_by=cls.alice, name=f"システム{i:02d}"
            )
            create_assessment(
                actor=cls.alice, system=system, template=cls.template, phase="initial"
            )

    def test_assessments_are_filtered_sorted_and_paginated(self):
        self.client.force_login(self.rita)
        r = self.client.get(reverse("assessments:list"))
        self.assertEqual(r.context["page"].paginator.count, 61)
        self.assertEqual(len(r.context["page"]), 50)
        r2 = self.client.get(reverse("assessments:list"), {"page": 2})
        self.assertEqual(len(r2.context["page"]), 11)
        r = self.client.get(reverse("assessments:list"), {"q": "システム0", "sort": "system"})
        names = [a.system.name for a in r.context["page"]]
        self.assertEqual(names, sorted(names))
        self.assertEqual(len(names), 10)
        r = self.client.get(reverse("assessments:list"), {"state": "approved"})
        self.assertEqual(r.context["page"].paginator.count, 0)

    def test_bad_filters_are_explained_not_crashed(self):
        self.client.force_login(self.rita)
        r = self.client.get(
            reverse("assessments:list"), {"fiscal_year": "abc", "state": "bogus", "page": "x"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "整数を入力してください", status_code=400)
        r = self.client.get(reverse("systems:index"), {"page": "999", "sort": "nope"})
        self.assertEqual(r.status_code, 400)

    def test_systems_are_filtered_and_paginated(self):
        self.client.force_login(self.rita)
        r = self.client.get(reverse("systems:index"), {"q": "システム5", "sort": "-updated"})
        self.assertEqual(r.context["page"].paginator.count, 10)
        r = self.client.get(reverse("systems:index"), {"page": 2})
        self.assertEqual(len(r.context["page"]), 11)
