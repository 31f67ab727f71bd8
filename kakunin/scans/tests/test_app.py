"""The scanner in the app: targets, authorisations, the background scan, the
results beside the answers, the reviewer's flag and the monthly re-scan."""

import json
from datetime import timedelta
from unittest import mock

from django.core import mail
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kakunin.assessments.models import State, Status
from kakunin.audit.models import Event
from kakunin.notifications.models import Notification
from kakunin.scans import actions, tasks
from kakunin.scans.models import Authorisation, Scan, ScanResult, ScanTarget
from testsupport.fixtures import PASSWORD, BaseTestCase
from testsupport.sites import farm_for


class ScansInTheApp(BaseTestCase):
    @classmethod
    def setUpClass(cls):
        # The servers first: if they cannot start, nothing of the class is left open.
        cls.farm = farm_for(cls, names={"hardened", "tls10"})
        super().setUpClass()

    def setUp(self):
        super().setUp()
        # Only the declared ports: the machine's own database ports are not the site's.
        self.settings_override = override_settings(
            SCAN_CA_BUNDLE=str(self.farm.ca.path), SCAN_DEFAULT_PORTS=[]
        )
        self.settings_override.enable()
        self.addCleanup(self.settings_override.disable)

    def target_data(self, name: str) -> dict:
        site = self.farm[name]
        return {
            "url": site.url,
            "declared_ports": f"{site.https_port}, {site.http_port}",
            "extra_hosts": "",
            "http_port": site.http_port,
        }

    def add_target(self, name: str, user=None) -> ScanTarget:
        self.client.force_login(user or self.alice)
        response = self.client.post(
            reverse("scans:add_target", args=[self.system.pk]), self.target_data(name)
        )
        self.assertRedirects(response, reverse("scans:system", args=[self.system.pk]))
        return ScanTarget.objects.get(system=self.system, url=self.farm[name].url)

    def run_scan(self, **data) -> Scan:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("scans:run", args=[self.system.pk]), data)
        scan = Scan.objects.get(pk=response.url.strip("/").rsplit("/", 1)[1])
        self.assertRedirects(response, scan.get_absolute_url(), fetch_redirect_response=False)
        scan.refresh_from_db()
        return scan

    def test_a_scan_runs_in_the_background_and_its_results_sit_beside_the_answers(self):
        target = self.add_target("hardened")
        self.assertEqual(
            target.declared_ports,
            sorted([self.farm["hardened"].https_port, self.farm["hardened"].http_port]),
        )
        self.assertTrue(
            Event.objects.filter(action="scan.target.add", object_id=str(target.pk)).exists()
        )
        scan = self.run_scan()
        self.assertEqual(scan.state, Scan.State.DONE, scan.error)
        self.assertEqual(scan.progress, 100)
        verdicts = dict(scan.results.values_list("control", "verdict"))
        self.assertEqual(len(verdicts), 14)
        self.assertEqual(
            set(verdicts.values()),
            {"pass"},
            list(scan.results.values_list("control", "summary")),
        )
        self.assertTrue(
            Event.objects.filter(
                action="scan.request", object_id=str(scan.pk), actor=self.alice
            ).exists()
        )
        self.assertTrue(Event.objects.filter(action="scan.finish", object_id=str(scan.pk)).exists())

        page = self.client.get(
            reverse("assessments:detail", args=[self.assessment.pk]) + "?all=1"
        ).content.decode()
        block = page.split('id="scan-web-tls-version"')[1].split("</div>")[0]
        self.assertIn("適合", block)
        self.assertIn("TLS 1.2・TLS 1.3 のみ", block)
        self.assertIn(f"{scan.get_absolute_url()}#result-tls-version", block)

        detail = self.client.get(scan.get_absolute_url())
        self.assertContains(detail, 'id="result-tls-version"')
        self.assertContains(detail, "No.61 SSL/TLSのバージョン")  # the form's item beside it
        self.assertContains(detail, "TLS 1.0")  # the handshakes, in the evidence
        report = self.client.get(reverse("scans:report", args=[scan.pk]))
        self.assertEqual(report["Content-Type"], "application/json")
        body = json.loads(report.content)
        self.assertEqual(body["targets"][0]["target"], target.url)
        self.assertEqual({i["control"] for i in body["targets"][0]["controls"]}, set(verdicts))

    def test_done_but_failing_is_flagged_for_the_reviewer(self):
        self.add_target("tls10")
        answer = self.answer("web-tls-version")
        answer.status, answer.text = Status.DONE, "TLS1.2以上のみ有効"
        answer.save()
        scan = self.run_scan()
        self.assertEqual(scan.results.get(control="tls-version").verdict, "fail")
        type(self.assessment).objects.filter(pk=self.assessment.pk).update(
            state=State.SUBMITTED, submitted_at=timezone.now()
        )

        self.client.force_login(self.rita)
        dashboard = self.client.get(reverse("dashboards:home")).content.decode()
        queue = dashboard.split('id="review-queue"')[1].split("</table>")[0]
        self.assertIn("対応済なのに不適合 1 件", queue)
        self.assertIn("No.61", queue)
        page = self.client.get(
            reverse("assessments:detail", args=[self.assessment.pk]) + "?all=1"
        ).content.decode()
        self.assertIn('id="scan-conflicts"', page)
        block = page.split('id="scan-web-tls-version"')[1].split("</div>")[0]
        self.assertIn("対応済の回答と不一致", block)
        self.assertIn("TLS 1.0・TLS 1.1 を受け付けます", block)

    def test_new_failures_are_told_once_to_department_vendor_and_reviewers(self):
        self.add_target("tls10")
        scan = self.run_scan()
        told = Notification.objects.filter(kind="scan_failed")
        self.assertEqual({n.user for n in told}, {self.alice, self.bob, self.rita})
        note = told.get(user=self.bob)
        self.assertIn("No.61 SSL/TLSのバージョン", note.body)
        self.assertEqual(note.url, scan.get_absolute_url())
        self.assertEqual(len(mail.outbox), 3)
        self.run_scan()  # the same failure again: nobody is told twice
        self.assertEqual(told.count(), 3)

    def test_a_partial_answer_is_not_flagged(self):
        self.add_target("tls10")
        answer = self.answer("web-tls-version")
        answer.status, answer.plan = Status.PARTIAL, "来月 TLS1.0 を無効化"
        answer.save()
        self.run_scan()
        type(self.assessment).objects.filter(pk=self.assessment.pk).update(
            state=State.SUBMITTED, submitted_at=timezone.now()
        )
        self.client.force_login(self.rita)
        self.assertNotContains(self.client.get(reverse("dashboards:home")), "対応済なのに不適合")

    def test_bad_targets_are_refused_with_a_message_and_nothing_saved(self):
        self.client.force_login(self.alice)
        url = reverse("scans:add_target", args=[self.system.pk])
        good = self.target_data("hardened")
        cases = {
            "ftp://files.example.lg.jp/": "http:// または https://",
            "https://user:pw@www.example.lg.jp/": "ID やパスワードを含めないで",
            "not a url at all": "URL",
        }
        for bad, message in cases.items():
            response = self.client.post(url, good | {"url": bad})
            self.assertContains(response, message, status_code=400)
        self.assertContains(
            self.client.post(url, good | {"declared_ports": "22, http"}),
            "「http」は使えません",
            status_code=400,
        )
        self.assertContains(
            self.client.post(url, good | {"declared_ports": "70000"}), "1〜65535", status_code=400
        )
        self.assertContains(
            self.client.post(url, good | {"extra_hosts": "bad host!"}),
            "ホスト名として正しくありません",
            status_code=400,
        )
        with override_settings(SCAN_ALLOW_LOOPBACK=False):
            self.assertContains(
                self.client.post(url, good | {"url": "https://127.0.0.1/"}),
                "ループバックアドレス",
                status_code=400,
            )
        with override_settings(SCAN_ALLOW_PRIVATE=False):
            self.assertContains(
                self.client.post(url, good | {"url": "https://10.1.2.3/"}),
                "内部・特殊なアドレス",
                status_code=400,
            )
            self.assertContains(
                self.client.post(url, good | {"url": "http://169.254.169.254/"}),
                "特殊なアドレス 169.254.169.254 への検査は許可されていません",
                status_code=400,
            )
        self.assertFalse(ScanTarget.objects.exists())
        self.add_target("hardened")
        self.assertContains(self.client.post(url, good), "登録済み", status_code=400)
        self.assertEqual(ScanTarget.objects.count(), 1)

    def test_the_page_says_which_addresses_the_settings_refuse(self):
        """Issue 23.6: it said loopback was forbidden while SCAN_ALLOW_LOOPBACK allowed it."""
        self.client.force_login(self.alice)
        page = reverse("scans:system", args=[self.system.pk])
        cases = [
            ({"SCAN_ALLOW_LOOPBACK": True, "SCAN_ALLOW_PRIVATE": False}, "ループバックアドレスは SCAN_ALLOW_LOOPBACK で許可されています", 302),
            ({"SCAN_ALLOW_LOOPBACK": False, "SCAN_ALLOW_PRIVATE": False}, "ループバック・内部（プライベート）アドレスへの検査は設定で禁止されています", 400),
        ]  # fmt: skip
        for overrides, said, loopback_status in cases:
            with self.subTest(**overrides), override_settings(**overrides):
                self.assertContains(self.client.get(page), said)
                r = self.client.post(
                    reverse("scans:add_target", args=[self.system.pk]),
                    self.target_data("hardened") | {"url": "https://127.0.0.1:9/"},
                )
                self.assertEqual(r.status_code, loopback_status)
        with override_settings(SCAN_ALLOW_PRIVATE=True, SCAN_ALLOW_LOOPBACK=True):
            self.assertNotContains(self.client.get(page), "禁止されています")
        with override_settings(SCAN_ALLOW_PRIVATE=True, SCAN_ALLOW_LOOPBACK=False):
            self.assertContains(self.client.get(page), "ループバックアドレスとリンクローカル")
            for url in ("https://127.0.0.1/", "http://169.254.169.254/"):
                r = self.client.post(
                    reverse("scans:add_target", args=[self.system.pk]),
                    self.target_data("hardened") | {"url": url},
                )
                self.assertEqual(r.status_code, 400, url)

    @override_settings(SCAN_ALLOW_LOOPBACK=False)
    def test_an_english_speaker_gets_the_messages_in_english(self):
        self.alice.language = "en"
        self.alice.save()
        self.client.force_login(self.alice)
        url = reverse("scans:add_target", args=[self.system.pk])
        data = self.target_data("hardened")
        response = self.client.post(
            url, data | {"url": "https://127.0.0.1/", "declared_ports": "22,ssh"}
        )
        self.assertContains(
            response, "Checks of the loopback address 127.0.0.1 are not allowed.", status_code=400
        )
        self.assertContains(response, "(&quot;ssh&quot; is not one)", status_code=400)
        self.assertFalse(ScanTarget.objects.exists())

    def test_who_may_see_and_who_may_change(self):

        target = self.add_target("hardened")
        page = reverse("scans:system", args=[self.system.pk])
        self.client.force_login(
            self.bob
        )  # the vendor: sees, changes nothing, never the test account
        response = self.client.get(page)
        self.assertContains(response, target.url)
        self.assertNotContains(response, 'id="target-form"')
        self.assertNotContains(response, 'id="run-scan"')
        self.assertNotContains(response, "能動的な検査の許可")
        self.assertEqual(
            self.client.post(
                reverse("scans:add_target", args=[self.system.pk]), self.target_data("tls10")
            ).status_code,
            403,
        )
        self.assertEqual(
            self.client.post(reverse("scans:run", args=[self.system.pk])).status_code, 403
        )
        self.assertEqual(
            self.client.post(reverse("scans:remove_target", args=[target.pk])).status_code, 403
        )
        self.client.force_login(self.dave)  # another department: the system does not exist for him
        self.assertEqual(self.client.get(page).status_code, 404)
        self.assertEqual(
            self.client.post(reverse("scans:remove_target", args=[target.pk])).status_code, 404
        )
        self.client.force_login(self.audrey)
        response = self.client.get(page)
        self.assertContains(response, target.url)
        self.assertNotContains(response, 'id="target-form"')
        self.assertEqual(Scan.objects.count(), 0)
        self.assertTrue(ScanTarget.objects.filter(pk=target.pk).exists())

    def authorisation_data(self, target, **kwargs) -> dict:
        now = timezone.localtime()
        return {
            "authorised_by": "子ども支援課長",
            "reference": "起案 第123号",
            "targets": [target.pk],
            "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "login_url": target.url + "login.html",
            "logout_url": "",
            "username": "scan-test",
            "password": PASSWORD,
        } | kwargs

    def test_an_authorisation_is_recorded_encrypted_and_audited_without_the_password(self):
        target = self.add_target("hardened")
        response = self.client.post(
            reverse("scans:add_authorisation", args=[self.system.pk]),
            self.authorisation_data(target),
        )
        self.assertRedirects(response, reverse("scans:system", args=[self.system.pk]))
        auth = Authorisation.objects.get()
        self.assertEqual(auth.password, PASSWORD)
        self.assertTrue(auth.allows(target.url))
        self.assertFalse(auth.allows("https://elsewhere.example/"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT password FROM scans_authorisation")
            (raw,) = cursor.fetchone()
        self.assertNotIn(PASSWORD, raw)
        event = Event.objects.get(action="scan.authorisation.add")
        self.assertNotIn(PASSWORD, json.dumps(event.changes, ensure_ascii=False))
        self.assertEqual(event.changes["username"], [None, "scan-test"])
        page = self.client.get(reverse("scans:system", args=[self.system.pk]))
        self.assertNotContains(page, PASSWORD)
        self.assertContains(page, "起案 第123号")

        self.client.post(reverse("scans:revoke_authorisation", args=[auth.pk]))
        auth.refresh_from_db()
        self.assertIsNotNone(auth.revoked_at)
        self.assertFalse(auth.allows(target.url))
        self.assertTrue(Event.objects.filter(action="scan.authorisation.revoke").exists())
        # A revoked authorisation cannot be chosen for a scan.
        response = self.client.post(
            reverse("scans:run", args=[self.system.pk]), {"authorisation": auth.pk}
        )
        self.assertRedirects(
            response, reverse("scans:system", args=[self.system.pk]), fetch_redirect_response=False
        )
        self.assertFalse(Scan.objects.exists())

    def test_times_are_shown_as_entered_in_the_local_time_zone(self):
        """08:00–18:00 once showed as 23:00〜09:00 in the drop-down and the scan header."""
        target = self.add_target("hardened")
        today = timezone.localdate()
        start = f"{today - timedelta(days=1)}T08:00"
        end = f"{today + timedelta(days=1)}T18:00"
        self.client.post(
            reverse("scans:add_authorisation", args=[self.system.pk]),
            self.authorisation_data(target, valid_from=start, valid_until=end),
        )
        auth = Authorisation.objects.get()
        expected = f"{today - timedelta(days=1)} 08:00〜{today + timedelta(days=1)} 18:00"
        page = self.client.get(reverse("scans:system", args=[self.system.pk]))
        self.assertContains(page, expected)  # the table and the drop-down
        self.assertIn(expected, str(auth))
        scan = Scan.objects.create(system=self.system, authorisation=auth, state=Scan.State.DONE)
        self.assertContains(self.client.get(reverse("scans:detail", args=[scan.pk])), expected)

    def test_bad_authorisations_are_refused_and_nothing_saved(self):
        target = self.add_target("hardened")
        url = reverse("scans:add_authorisation", args=[self.system.pk])
        now = timezone.localtime()
        cases = [
            (
                {"valid_until": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
                "開始日時より後",
            ),
            ({"valid_until": (now + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")}, "31日以内"),
            ({"login_url": "https://elsewhere.example/login"}, "同じホスト・ポート"),
            ({"targets": []}, "このフィールドは必須です"),
            ({"valid_from": "2026-13-45T99:99"}, "日時を正しく入力してください"),
            ({"password": ""}, "このフィールドは必須です"),
        ]
        for change, message in cases:
            response = self.client.post(url, self.authorisation_data(target, **change))
            self.assertContains(response, message, status_code=400, msg_prefix=str(change))
            self.assertNotContains(response, PASSWORD, status_code=400)  # never sent back
        self.assertFalse(Authorisation.objects.exists())

    def test_the_progress_bar_polls_while_running_and_reloads_when_done(self):
        self.add_target("hardened")
        scan = Scan.objects.create(
            system=self.system, state=Scan.State.RUNNING, progress=40, requested_by=self.alice
        )
        response = self.client.get(
            reverse("scans:progress", args=[scan.pk]), headers={"HX-Request": "true"}
        )
        self.assertContains(response, 'value="40"')
        self.assertContains(response, 'hx-trigger="every 1s"')
        self.assertContains(self.client.get(scan.get_absolute_url()), 'id="scan-progress"')
        # A second press while one runs shows that one instead of starting another.
        response = self.client.post(reverse("scans:run", args=[self.system.pk]))
        self.assertRedirects(response, scan.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(Scan.objects.count(), 1)
        Scan.objects.filter(pk=scan.pk).update(state=Scan.State.DONE, progress=100)
        response = self.client.get(
            reverse("scans:progress", args=[scan.pk]), headers={"HX-Request": "true"}
        )
        self.assertEqual(response.headers["HX-Refresh"], "true")

    def test_a_scan_whose_worker_stopped_does_not_block_the_next(self):
        self.add_target("hardened")
        stuck = Scan.objects.create(system=self.system, state=Scan.State.RUNNING, progress=30)
        Scan.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=3))
        scan = self.run_scan()
        self.assertNotEqual(scan.pk, stuck.pk)
        self.assertEqual(scan.state, Scan.State.DONE)
        stuck.refresh_from_db()
        self.assertEqual(stuck.state, Scan.State.FAILED)
        self.assertIn("ワーカーの停止", stuck.error)

    def test_a_failure_inside_the_job_ends_the_scan_failed_with_the_reason(self):

        self.add_target("hardened")
        with mock.patch("kakunin.scans.actions._run_all", side_effect=RuntimeError("disk full")):
            scan = self.run_scan()
        self.assertEqual(scan.state, Scan.State.FAILED)
        self.assertIn("disk full", scan.error)
        self.assertContains(self.client.get(scan.get_absolute_url()), "検査を完了できませんでした")
        self.assertFalse(ScanResult.objects.exists())
        tasks.run_scan.call_local(scan.pk)  # a retried job: nothing runs twice
        self.assertEqual(Scan.objects.get(pk=scan.pk).state, Scan.State.FAILED)

    def test_systems_are_rescanned_monthly(self):
        target = self.add_target("hardened")
        self.assertEqual(list(actions.due_for_rescan()), [self.system])  # never scanned
        old = Scan.objects.create(system=self.system, state=Scan.State.DONE, progress=100)
        Scan.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
        self.assertEqual(list(actions.due_for_rescan()), [self.system])
        tasks.rescan.call_local()
        new = Scan.objects.exclude(pk=old.pk).get()
        self.assertIsNone(new.requested_by)
        self.assertIsNone(new.authorisation)  # scheduled scans are passive only
        self.assertEqual(new.state, Scan.State.DONE)
        self.assertEqual(new.results.filter(target=target).count(), 14)
        self.assertEqual(list(actions.due_for_rescan()), [])
        tasks.rescan.call_local()
        self.assertEqual(Scan.objects.count(), 2)


@override_settings(SCAN_DEFAULT_PORTS=[], SCAN_TIMEOUT=2)
class EveryConfigurationInTheApp(BaseTestCase):
    """One in-app scan of a system with every nginx configuration as a target:
    the stored verdicts are the ones testsupport/sites.py expects, target by target."""

    @classmethod
    def setUpClass(cls):
        # The servers first: if they cannot start, nothing of the class is left open.
        cls.farm = farm_for(cls)
        super().setUpClass()

    def test_the_stored_verdicts_per_configuration(self):
        for site in self.farm.sites.values():
            self.system.scan_targets.create(
                url=site.url, declared_ports=[site.https_port, site.http_port], http_port=site.http_port,
                created_by=self.alice,
            )  # fmt: skip
        scan = Scan.objects.create(system=self.system, requested_by=self.alice)
        with override_settings(SCAN_CA_BUNDLE=str(self.farm.ca.path)):
            scan = actions.execute(scan)
        self.assertEqual(scan.state, Scan.State.DONE, scan.error)
        for site in self.farm.sites.values():
            with self.subTest(site=site.name):
                stored = dict(scan.results.filter(url=site.url).values_list("control", "verdict"))
                self.assertEqual(stored, {n: str(v) for n, v in site.expected.items()})
