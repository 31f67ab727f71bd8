from datetime import timedelta

from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kakunin.assessments.tasks import remind
from kakunin.monitoring.models import Alert
from kakunin.monitoring.tasks import monitor_auth_log
from kakunin.notifications import outbox
from kakunin.notifications.actions import notify
from kakunin.notifications.models import Notification, OutgoingMail
from testsupport.fixtures import BaseTestCase


class NotifyTestCase(BaseTestCase):
    def context(self):
        return {
            "actor": "Rita",
            "assessment": str(self.assessment),
            "url": self.assessment.get_absolute_url(),
        }

    def test_each_person_is_told_in_their_own_language(self):
        self.bob.language = "en"
        self.bob.save()
        with self.captureOnCommitCallbacks(execute=True):
            notify(
                [self.alice, self.bob],
                "approved",
                self.context(),
                url=self.assessment.get_absolute_url(),
            )
        by_user = {m.to[0]: m for m in mail.outbox}
        self.assertIn("承認", by_user["alice@example.org"].subject)
        self.assertIn("Approved", by_user["bob@example.org"].subject)
        self.assertIn("approved", by_user["bob@example.org"].body)

    def test_subjects_are_one_line_whatever_the_content(self):
        ctx = self.context() | {"assessment": "悪意\r\nBcc: evil@example.com"}
        with self.captureOnCommitCallbacks(execute=True):
            notify([self.alice], "approved", ctx)
        self.assertNotIn("\n", mail.outbox[0].subject)
        self.assertEqual(mail.outbox[0].to, ["alice@example.org"])
        self.assertEqual(mail.outbox[0].bcc, [])

    def test_the_in_app_list_and_reading(self):
        notify([self.alice], "approved", self.context(), url=self.assessment.get_absolute_url())
        self.client.force_login(self.alice)
        r = self.client.get(reverse("systems:index"))
        self.assertContains(r, '<span class="badge count">1</span>')
        r = self.client.get(reverse("notifications:index"))
        self.assertContains(r, "承認")
        n = Notification.objects.get()
        r = self.client.post(reverse("notifications:read", args=[n.pk]))
        self.assertRedirects(r, self.assessment.get_absolute_url(), fetch_redirect_response=False)
        n.refresh_from_db()
        self.assertIsNotNone(n.read_at)

    def test_a_notification_never_redirects_elsewhere(self):
        n = Notification.objects.create(
            user=self.alice, kind="approved", subject="x", body="x", url="https://evil.example/"
        )
        self.client.force_login(self.alice)
        r = self.client.post(reverse("notifications:read", args=[n.pk]))
        self.assertRedirects(r, reverse("notifications:index"))

    def test_people_read_only_their_own(self):
        n = Notification.objects.create(user=self.alice, kind="approved", subject="秘密", body="x")
        self.client.force_login(self.bob)
        self.assertNotContains(self.client.get(reverse("notifications:index")), "秘密")
        self.client.post(reverse("notifications:read", args=[n.pk]))
        n.refresh_from_db()
        self.assertIsNone(n.read_at)


class ReminderTestCase(BaseTestCase):
    def test_three_days_before_and_after_the_deadline_once(self):
        today = timezone.localdate()
        self.assessment.due_date = today + timedelta(days=3)
        self.assessment.save()
        with self.captureOnCommitCallbacks(execute=True):
            remind(today)
            remind(today)  # the same reminder is not sent twice
        self.assertEqual(
            sorted(
                Notification.objects.filter(kind="due_soon").values_list(
                    "user__username", flat=True
                )
            ),
            ["alice", "bob"],
        )
        self.assertEqual(len(mail.outbox), 2)
        self.assessment.due_date = today - timedelta(days=1)
        self.assessment.save()
        remind(today)
        self.assertEqual(
            sorted(
                Notification.objects.filter(kind="overdue").values_list("user__username", flat=True)
            ),
            ["alice", "bob", "rita"],
        )

    def test_a_submitted_assessment_is_not_chased(self):
        self.assessment.due_date = timezone.localdate() - timedelta(days=1)
        self.assessment.state = "submitted"
        self.assessment.save()
        self.assertEqual(remind(), 0)


class FailingBackend:
    """A mail server that refuses, as an SMTP server that is down does."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


class OutboxTestCase(BaseTestCase):
    """A mail is saved with what it tells, and sent until the mail server takes it."""

    def test_a_mail_whose_sender_died_is_sent_by_the_sweep(self):
        # The change committed, then the process died before sending: no on_commit ran.
        notify([self.alice], "approved", {"actor": "Rita", "assessment": "x", "url": "/"})
        self.assertEqual(len(mail.outbox), 0)
        waiting = OutgoingMail.objects.get()
        self.assertIsNone(waiting.sent_at)
        self.assertEqual(outbox.send_waiting(), 1)
        self.assertEqual(mail.outbox[0].to, ["alice@example.org"])
        waiting.refresh_from_db()
        self.assertIsNotNone(waiting.sent_at)
        self.assertEqual(outbox.send_waiting(), 0)  # sent once, never twice
        self.assertEqual(len(mail.outbox), 1)

    def test_a_refused_mail_is_tried_again_later(self):
        with override_settings(EMAIL_BACKEND=f"{__name__}.FailingBackend"):
            with self.captureOnCommitCallbacks(execute=True):
                notify([self.alice], "approved", {"actor": "R", "assessment": "x", "url": "/"})
        waiting = OutgoingMail.objects.get()
        self.assertEqual((waiting.attempts, waiting.sent_at), (1, None))
        self.assertIn("mail server down", waiting.last_error)
        self.assertEqual(outbox.send_waiting(), 0)  # not before its next attempt is due
        OutgoingMail.objects.update(next_attempt_at=timezone.now())
        self.assertEqual(outbox.send_waiting(), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_rolled_back_change_mails_nobody(self):
        try:
            with transaction.atomic():
                notify([self.alice], "approved", {"actor": "R", "assessment": "x", "url": "/"})
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        self.assertFalse(OutgoingMail.objects.exists())

    def test_an_alert_mail_survives_a_crash_after_the_alert(self):
        for _ in range(10):
            self.client.post(
                reverse("account_login"), {"login": "alice", "password": "Wrong-Password-1"}
            )
        monitor_auth_log()  # no on_commit: as if the worker died right after
        self.assertTrue(Alert.objects.filter(kind="lockout").exists())
        self.assertEqual(len(mail.outbox), 0)
        outbox.send_waiting()
        self.assertEqual([m.subject for m in mail.outbox], ["[Kakunin] セキュリティアラート"])
