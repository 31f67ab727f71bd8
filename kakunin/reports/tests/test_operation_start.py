"""Issue 23.3: the yearly duties (the report of item 72, the admin-account and log
reviews) start when a system goes into operation: on its first approval, or on the
day of going live when the department records it. A system registered today, or
approved today, is never told that last year's report is overdue."""

import datetime

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from kakunin.core import kept
from kakunin.notifications.models import Notification
from kakunin.records.models import fiscal_year_of
from kakunin.reports import annual
from kakunin.reports.models import AnnualReport, Schedule
from kakunin.reports.tasks import remind_reports
from kakunin.systems.models import System
from testsupport.fixtures import BaseTestCase, approve_on

TODAY = timezone.localdate()
LAST_YEAR = annual.reporting_year(TODAY)  # the fiscal year whose report is asked for now


class OperationStartTestCase(BaseTestCase):
    def panel(self, user=None):
        self.client.force_login(user or self.alice)
        page = self.client.get(reverse("systems:detail", args=[self.system.pk])).content.decode()
        return page[page.index('id="operations-panel"') :].split("</section>")[0]

    def fresh(self):
        """The kept pages and counts rest on the audit chain's head: a change made here
        behind the actions' back needs them forgotten."""
        cache.clear()
        kept.forget()

    def test_a_system_registered_today_owes_nothing_yet(self):
        self.assertIsNone(self.system.operation_start)
        panel = self.panel()
        self.assertIn("運用開始前です", panel)
        for overdue in ("期限超過", "12か月以上", f"{LAST_YEAR}年度の年次報告"):
            self.assertNotIn(overdue, panel)
        records = self.client.get(reverse("records:system", args=[self.system.pk]))
        self.assertNotIn("点検の記録がありません", records.content.decode())
        self.assertFalse(System.objects.in_operation().exists())
        self.client.force_login(self.rita)
        home = self.client.get(reverse("dashboards:home")).content.decode()
        self.assertNotIn(f'id="operating-{self.system.pk}"', home)

    def test_a_system_first_approved_today_is_asked_for_this_years_report_not_last_years(self):
        approve_on(self.assessment, TODAY)
        panel = self.panel()
        first = fiscal_year_of(TODAY)
        self.assertIn(f"最初の年次報告は{first}年度分です", panel)
        self.assertNotIn("期限超過", panel)
        self.assertNotIn("12か月以上", panel)
        # Last year's report is not owed: the page says why, and starting one is refused.
        self.client.force_login(self.bob)
        page = self.client.get(reverse("reports:annual", args=[self.system.pk, LAST_YEAR]))
        self.assertIn("運用開始", page.content.decode())
        self.assertNotIn("この年度の報告を作成する", page.content.decode())
        r = self.client.post(reverse("reports:annual_start", args=[self.system.pk, LAST_YEAR]))
        self.assertEqual(r.status_code, 302)
        message = " ".join(str(m) for m in r.wsgi_request._messages)
        self.assertIn(f"{LAST_YEAR}年度はこのシステムの運用開始", message)
        self.assertFalse(AnnualReport.objects.exists())
        # Nobody is reminded of it, before or after its due date.
        due = Schedule.current().due_date(LAST_YEAR)
        self.assertEqual(remind_reports(due + datetime.timedelta(days=1)), 0)
        self.assertFalse(Notification.objects.filter(kind="overdue").exists())
        # On the ward's dashboard the system is in operation, its report 対象外.
        self.fresh()
        self.client.force_login(self.rita)
        home = self.client.get(reverse("dashboards:home")).content.decode()
        row = home[home.index(f'id="operating-{self.system.pk}"') :].split("</tr>")[0]
        self.assertNotIn("期限超過", row)
        self.assertNotIn(reverse("records:system", args=[self.system.pk]) + "#admin_review", row)

    def test_a_recorded_day_of_going_live_counts_before_any_approval(self):
        """A system already running when it is registered owes its reports at once."""
        System.objects.filter(pk=self.system.pk).update(live_on=datetime.date(2020, 4, 1))
        panel = self.panel()
        self.assertIn(f"{LAST_YEAR}年度の年次報告", panel)
        self.assertIn("12か月以上", panel)  # no review recorded in years
        due = Schedule.current().due_date(LAST_YEAR)
        if TODAY > due:
            self.assertIn("期限超過", panel)
        self.assertEqual(remind_reports(due + datetime.timedelta(days=1)), 3)  # bob, alice, rita

    def test_a_later_day_of_going_live_wins_over_an_earlier_approval(self):
        approve_on(self.assessment, datetime.date(2020, 4, 1))
        later = TODAY + datetime.timedelta(days=30)
        System.objects.filter(pk=self.system.pk).update(live_on=later)
        self.assertIn(f"本番稼働日 {later.isoformat()}", self.panel())
        self.assertFalse(System.objects.in_operation().exists())
        self.assertTrue(System.objects.in_operation(later).exists())

    def test_reviews_are_owed_a_year_after_going_live(self):
        approve_on(self.assessment, TODAY - datetime.timedelta(days=30))
        self.assertNotIn("12か月以上", self.panel())
        approve_on(self.assessment, TODAY - datetime.timedelta(days=400))
        self.assertIn("管理者アカウントの点検が12か月以上ありません。", self.panel())

    def test_the_department_records_the_day_of_going_live(self):
        self.client.force_login(self.alice)
        url = reverse("systems:edit", args=[self.system.pk])
        form = self.client.get(url).context["form"]
        data = {k: v for k, v in form.initial.items() if v is not None and k != "vendors"}
        data |= {"vendors": [self.alpha.pk], "live_on": "2025-10-01", "asset_categories": []}
        r = self.client.post(url, data)
        self.assertEqual(r.status_code, 302, r.content.decode()[:2000])
        self.system.refresh_from_db()
        self.assertEqual(self.system.live_on, datetime.date(2025, 10, 1))
        page = self.client.get(reverse("systems:detail", args=[self.system.pk])).content.decode()
        self.assertIn("2025-10-01（本番稼働日）", page)
