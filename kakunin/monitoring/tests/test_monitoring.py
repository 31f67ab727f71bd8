import json
from datetime import timedelta

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from kakunin.audit.models import Event
from kakunin.monitoring.models import Alert, Heartbeat
from kakunin.monitoring.tasks import SCAN, WORKER, heartbeat, monitor_auth_log, scan_auth_log
from testsupport.fixtures import PASSWORD, BaseTestCase, totp_code


class DetectionTestCase(BaseTestCase):
    # Not `fail`: that is unittest's own method. Shadowed, every failed assertion of the
    # class ran a login instead, and the tests passed with detection removed.
    def failed_login(self, login, ip="127.0.0.1"):
        self.client.post(
            reverse("account_login"),
            {"login": login, "password": "Wrong-Password-1"},
            REMOTE_ADDR=ip,
        )

    def kinds(self):
        return sorted(Alert.objects.values_list("kind", flat=True))

    @override_settings(ALERT_FAILURE_SPIKE=8, LOCKOUT_FAILURES=100)
    def test_a_failure_spike_raises_one_alert(self):
        for i in range(8):
            self.failed_login("alice", ip=f"10.0.0.{i}")
        self.assertEqual(monitor_auth_log(), 1)
        self.assertEqual(self.kinds(), ["failure_spike"])
        self.assertEqual(monitor_auth_log(), 0)  # the same spike is not raised twice

    @override_settings(LOCKOUT_FAILURES=100)
    def test_one_address_trying_many_accounts(self):
        for name in ["alice", "bob", "charlie", "dave", "rita"]:
            self.failed_login(name, ip="203.0.113.50")
        monitor_auth_log()
        alert = Alert.objects.get(kind="password_spray")
        self.assertIn("203.0.113.50", alert.message)
        self.assertEqual(len(alert.details["accounts"]), 5)

    @override_settings(LOCKOUT_FAILURES=100)
    def test_the_alert_counts_every_account_tried_not_the_first_five(self):
        """Issue 23.10: it said 「5件のアカウント」 when 8 were tried."""
        names = ["alice", "bob", "charlie", "dave", "rita", "nobody1", "nobody2", "nobody3"]
        for name in names[:6]:
            self.failed_login(name, ip="203.0.113.50")
        monitor_auth_log()
        self.assertIn("6件のアカウント", Alert.objects.get(kind="password_spray").message)
        for name in names[6:]:
            self.failed_login(name, ip="203.0.113.50")
        monitor_auth_log()  # a later run: the same alert grows, its words too
        alert = Alert.objects.get(kind="password_spray")
        self.assertIn("8件のアカウント", alert.message)
        self.assertEqual(sorted(alert.details["accounts"]), sorted(names))
        self.client.force_login(self.rita)
        self.assertContains(self.client.get(reverse("monitoring:alerts")), "8件のアカウント")

    def test_a_guessing_run_is_one_alert_per_source_never_one_per_name(self):
        """Issue 23.14: a hydra run of 331 guesses gave 136 alert e-mails, one per user
        name tried, names that are no account included."""
        names = [f"guess{i}" for i in range(12)] + ["alice", "bob"]
        for _round in range(10):  # each name locks at its tenth failure
            for name in names:
                self.failed_login(name, ip="198.51.100.7")
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            monitor_auth_log()
        self.assertEqual(self.kinds(), ["failure_spike", "lockout", "password_spray"])
        lockout = Alert.objects.get(kind="lockout")
        self.assertEqual(sorted(lockout.details["accounts"]), ["Alice (alice)", "Bob (bob)"])
        self.assertIn("198.51.100.7", lockout.message)
        self.assertIn("14件のアカウント", Alert.objects.get(kind="password_spray").message)
        reviewers = 1  # rita; adam is mailed only the failures of backups
        self.assertEqual(len(mail.outbox), 3 * reviewers)

    def test_a_lockout_raises_an_alert(self):
        for _ in range(10):
            self.failed_login("alice")
        monitor_auth_log()
        self.assertIn("lockout", self.kinds())

    def test_an_administrator_from_a_new_address(self):
        self.client.post(
            reverse("account_login"),
            {"login": "adam", "password": PASSWORD},
            REMOTE_ADDR="10.9.9.9",
        )
        self.client.post(
            reverse("mfa_authenticate"), {"code": totp_code(self.adam_totp)}, REMOTE_ADDR="10.9.9.9"
        )
        monitor_auth_log()
        self.assertEqual(self.kinds(), ["admin_new_address"])
        self.client.post(reverse("account_logout"))
        # The same address again is not new.
        Heartbeat.objects.update(at=timezone.now())
        self.client.post(
            reverse("account_login"),
            {"login": "adam", "password": PASSWORD},
            REMOTE_ADDR="10.9.9.9",
        )
        self.client.post(
            reverse("mfa_authenticate"),
            {"code": totp_code(self.adam_totp, at=timezone.now().timestamp() + 30)},
            REMOTE_ADDR="10.9.9.9",
        )
        monitor_auth_log()
        self.assertEqual(Alert.objects.count(), 1)

    def test_quiet_logs_raise_nothing(self):
        self.client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
        self.failed_login("bob")
        self.assertEqual(monitor_auth_log(), 0)


class AlertDeliveryTestCase(BaseTestCase):
    def raise_one(self):
        for _ in range(10):
            self.client.post(
                reverse("account_login"), {"login": "alice", "password": "Wrong-Password-1"}
            )
        with self.captureOnCommitCallbacks(execute=True):
            monitor_auth_log()
        return Alert.objects.get(kind="lockout")

    def test_it_is_emailed_to_reviewers_with_a_fixed_subject(self):
        alert = self.raise_one()
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["rita@example.org"])
        self.assertEqual(mail.outbox[0].subject, "[Kakunin] セキュリティアラート")
        self.assertIn(alert.message, mail.outbox[0].body)

    def test_it_is_recorded_in_the_audit_trail(self):
        alert = self.raise_one()
        self.assertTrue(
            Event.objects.filter(action="alert.raise", object_id=str(alert.pk)).exists()
        )

    def test_reviewers_see_a_banner_until_they_acknowledge(self):
        alert = self.raise_one()
        self.client.force_login(self.rita)
        r = self.client.get(reverse("systems:index"))
        self.assertContains(r, "未確認のセキュリティアラートが 1 件あります")
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get(reverse("systems:index")), "セキュリティアラート")
        self.client.force_login(self.rita)
        self.client.post(reverse("monitoring:acknowledge", args=[alert.pk]))
        self.assertNotContains(
            self.client.get(reverse("systems:index")), "未確認のセキュリティアラート"
        )
        self.assertTrue(Event.objects.filter(action="alert.acknowledge", actor=self.rita).exists())

    def test_the_periodic_job_runs_on_huey(self):
        self.assertTrue(HUEY.immediate)
        self.assertIn(scan_auth_log.task_class, HUEY._registry._periodic_tasks)
        for _ in range(10):
            self.client.post(
                reverse("account_login"), {"login": "bob", "password": "Wrong-Password-1"}
            )
        scan_auth_log.call_local()
        self.assertTrue(Alert.objects.filter(kind="lockout").exists())
        self.assertTrue(Heartbeat.objects.filter(name=SCAN).exists())


class HealthzTestCase(BaseTestCase):
    def test_it_reports_database_queue_and_disk_without_a_login(self):
        heartbeat.call_local()
        r = self.client.get("/healthz")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(
            json.loads(r.content),
            {
                "status": "ok", "database": "ok", "queue": "ok", "disk": "ok",
                # No backup yet: said, not judged (a new installation has none).
                "backup": {"result": "none"}, "backup-verify": {"result": "none"},
            },
        )  # fmt: skip
        self.assertNotIn("version", r.content.decode().lower())

    def test_a_stalled_worker_makes_it_fail(self):
        self.assertEqual(self.client.get("/healthz").status_code, 503)  # never ran
        Heartbeat.objects.create(name=WORKER, at=timezone.now() - timedelta(minutes=6))
        r = self.client.get("/healthz")
        self.assertEqual(r.status_code, 503)
        self.assertEqual(json.loads(r.content)["queue"], "stale")

    @override_settings(HEALTHZ_MIN_FREE_BYTES=10**18)
    def test_a_full_disk_makes_it_fail(self):
        heartbeat.call_local()
        self.assertEqual(json.loads(self.client.get("/healthz").content)["disk"], "low")
