"""Systems through the API: a system with its profile, its scans and its yearly reports."""

from django.urls import reverse

from kakunin.api.tests.base import ApiTestCase
from testsupport.fixtures import (
    approve_on,
    make_scan,
)


class ScanTestCase(ApiTestCase):
    def test_a_systems_scans_come_with_their_results(self):
        scan = make_scan(self.system, {"tls-version": "fail", "https": "pass"})
        r = self.call("bob", "get", reverse("api:system_scans", args=[self.system.pk]))
        self.assertEqual(r.status_code, 200)
        scans = r.json()["results"]
        self.assertEqual([s["id"] for s in scans], [scan.pk])
        verdicts = {(x["control"], tuple(x["items"]), x["verdict"]) for x in scans[0]["results"]}
        self.assertEqual(
            verdicts,
            {("tls-version", ("web-tls-version",), "fail"), ("https", ("web-https",), "pass")},
        )


class AnnualReportTestCase(ApiTestCase):
    def test_the_register_pulls_each_yearly_reports_state(self):
        from kakunin.reports import actions as report_actions
        from kakunin.reports.annual import reporting_year

        year = reporting_year()
        approve_on(self.assessment)  # in operation, so the year's report is owed
        report = report_actions.start_report(actor=self.bob, system=self.system, fiscal_year=year)
        url = reverse("api:annual_reports", args=[self.system.pk])
        listed = self.call("audrey", "get", url).json()["results"]
        self.assertEqual([(r["id"], r["fiscal_year"], r["state"]) for r in listed],
                         [(report.pk, year, "draft")])  # fmt: skip
        self.assertEqual(self.call("charlie", "get", url).status_code, 404)


class SystemTestCase(ApiTestCase):
    def test_a_system_comes_with_its_profile_and_which_items_apply(self):
        r = self.call("bob", "get", reverse("api:system", args=[self.system.pk]))
        body = r.json()
        self.assertEqual((body["name"], body["serves_web"]), (self.system.name, True))
        self.assertEqual((body["live_on"], body["operation_start"]), (None, None))
        rows = {row["item"]: row for row in body["applicability"]}
        self.assertEqual(len(rows), 83)
        applies = self.assessment.applicability()
        for answer in self.assessment.answers.select_related("item"):
            self.assertEqual(rows[answer.item.key]["applies"], applies[answer.item.pk].applies)
        self.assertTrue(all(row["reasons"] for row in rows.values()))
