"""Two municipalities on one service: each sees its own; a vendor person serving both
works in one at a time and switches."""

import datetime
import re

from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kakunin.accounts.lockout import locked_accounts
from kakunin.accounts.models import Role
from kakunin.api.actions import issue_token
from kakunin.assessments.models import Assessment
from kakunin.assessments.tasks import daily_reminders
from kakunin.audit.models import Event
from kakunin.audit.trail import record
from kakunin.core.text import say
from kakunin.monitoring.actions import raise_alert
from kakunin.monitoring.detection import Finding
from kakunin.monitoring.models import Alert
from kakunin.notifications.models import Notification, OutgoingMail
from kakunin.reviews.actions import add_comment
from kakunin.systems.models import System
from kakunin.tenants.active import activated
from kakunin.tenants.models import Municipality
from testsupport.fixtures import (
    PASSWORD,
    BaseTestCase,
    create_second_municipality,
    enrol_totp,
    make_user,
)


class TwoMunicipalitiesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        create_second_municipality(cls)

    def system_page(self, system):
        return self.client.get(reverse("systems:detail", args=[system.pk]))

    def test_the_ward_staff_see_their_own_municipalitys_systems_only(self):
        for person, mine, theirs in (
            (self.rita, self.system, self.minato_system),
            (self.audrey, self.system, self.minato_system),
            (self.mori, self.minato_system, self.system),
            (self.masa, self.minato_system, self.system),
        ):
            with self.subTest(person=person.username):
                self.client.force_login(person)
                self.assertEqual(self.system_page(mine).status_code, 200)
                self.assertEqual(self.system_page(theirs).status_code, 404)
                listed = self.client.get(reverse("systems:index"))
                self.assertContains(listed, mine.name)
                self.assertNotContains(listed, theirs.name)

    def test_a_vendor_person_works_in_one_municipality_at_a_time_and_switches(self):
        self.client.force_login(self.bob)
        # The first by code, until they choose.
        self.assertEqual(self.system_page(self.system).status_code, 200)
        self.assertEqual(self.system_page(self.minato_system).status_code, 404)
        page = self.client.get(reverse("service:municipalities"))
        self.assertContains(page, "港区")
        self.assertContains(page, "千代田区")
        r = self.client.post(reverse("service:switch", args=["131032"]))
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.system_page(self.minato_system).status_code, 200)
        self.assertEqual(self.system_page(self.system).status_code, 404)
        listed = self.client.get(reverse("assessments:list"))
        self.assertContains(listed, self.minato_system.name)
        self.assertNotContains(listed, self.system.name)

    def test_the_header_names_the_municipality_and_offers_the_switch(self):
        self.client.force_login(self.bob)
        page = self.client.get(reverse("dashboards:home"))
        self.assertContains(page, '<span class="municipality" lang="ja">千代田区</span>', html=True)
        self.assertContains(page, reverse("service:municipalities"))
        self.client.post(reverse("service:switch", args=["131032"]))
        page = self.client.get(reverse("dashboards:home"))
        self.assertContains(page, '<span class="municipality" lang="ja">港区</span>', html=True)
        # One municipality only: no switch offered.
        self.client.force_login(self.rita)
        self.assertNotContains(self.client.get(reverse("dashboards:home")), "団体の切替")

    def test_a_page_kept_in_one_municipality_is_never_served_in_another(self):
        # The same person, the same chain head (switching records nothing): only the
        # municipality differs between the two dashboards' kept tables of the systems
        # in operation.
        for system in (self.system, self.minato_system):
            System.objects.filter(pk=system.pk).update(live_on=timezone.localdate())
        self.client.force_login(self.bob)
        chiyoda = self.client.get(reverse("dashboards:home"))
        self.assertContains(chiyoda, self.system.name)
        self.client.post(reverse("service:switch", args=["131032"]))
        minato = self.client.get(reverse("dashboards:home"))
        self.assertContains(minato, self.minato_system.name)
        self.assertNotContains(minato, self.system.name)

    def test_each_municipalitys_auditors_read_its_own_trail(self):
        for auditor, mine, theirs in (
            (self.audrey, self.system.name, self.minato_system.name),
            (self.masa, self.minato_system.name, self.system.name),
        ):
            with self.subTest(auditor=auditor.username):
                self.client.force_login(auditor)
                page = self.client.get(reverse("audit:events"))
                self.assertContains(page, mine)
                self.assertNotContains(page, theirs)
                export = b"".join(self.client.get(reverse("audit:export")).streaming_content)
                self.assertIn(mine.encode(), export)
                self.assertNotIn(theirs.encode(), export)

    def test_each_municipalitys_auditors_verify_its_own_chain_alone(self):
        masa_events = Event.objects.filter(municipality=self.minato).order_by("seq")
        self.client.force_login(self.masa)
        page = self.client.post(reverse("audit:verify"), follow=True)
        self.assertContains(page, f"監査証跡は正常です（{masa_events.count() - 1} 件を検証）")
        verified = Event.objects.get(action="audit.verify")
        self.assertEqual((verified.municipality, verified.actor), (self.minato, self.masa))
        # 千代田区's trail changed: 港区's chain still holds, 千代田区's auditor sees the break.
        changed = Event.objects.filter(municipality=Municipality.default()).order_by("seq")[0]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_event SET object_label = %s WHERE seq = %s", ["改ざん", changed.seq]
            )
        self.assertContains(self.client.post(reverse("audit:verify"), follow=True), "正常です")
        self.client.force_login(self.audrey)
        page = self.client.post(reverse("audit:verify"), follow=True)
        self.assertContains(page, f"改ざんを検出しました: イベント #{changed.chain_seq}")
        # The page numbers each municipality's events by its own chain.
        self.assertContains(
            self.client.get(reverse("audit:events")), f"<td>{changed.chain_seq}</td>"
        )

    def test_its_staff_lock_after_its_own_number_of_failures(self):
        Municipality.objects.filter(pk=self.minato.pk).update(lockout_failures=3)
        for person, locks_at in ((self.mika, 3), (self.alice, settings.LOCKOUT_FAILURES)):
            with self.subTest(person=person.username):
                for _ in range(locks_at - 1):
                    self.wrong_password(person.username)
                locked = {row["username"] for row in locked_accounts()}
                self.assertNotIn(person.username, locked)
                self.wrong_password(person.username)
                # The administrators' list counts by each one's own policy.
                self.assertIn(person.username, {row["username"] for row in locked_accounts()})
                locked_out = self.sign_in(person.username)
                self.assertContains(locked_out, "ログインに続けて失敗したため", status_code=429)

    def wrong_password(self, login):
        self.client.post(reverse("account_login"), {"login": login, "password": "Wrong-Password-1"})

    def sign_in(self, login):
        return self.client.post(reverse("account_login"), {"login": login, "password": PASSWORD})

    def test_its_staff_choose_passwords_as_long_as_it_asks(self):
        Municipality.objects.filter(pk=self.minato.pk).update(password_min_length=16)
        fifteen = "Abcdefgh-12345x"
        for person, accepted in ((self.mika, False), (self.alice, True), (self.bob, True)):
            with self.subTest(person=person.username):
                person.refresh_from_db()
                self.client.force_login(person)
                r = self.client.post(
                    reverse("account_change_password"),
                    {"oldpassword": PASSWORD, "password1": fifteen, "password2": fifteen},
                )
                self.assertEqual(r.status_code == 302, accepted)
                if not accepted:
                    self.assertContains(r, "パスワードは16文字以上にしてください。")

    def test_mail_goes_from_its_municipalitys_sender(self):
        Municipality.objects.filter(pk=self.minato.pk).update(mail_from="joho@city.minato.example")
        self.minato.refresh_from_db()
        answer = self.minato_assessment.answers.get(item__key="pw-composition")
        with self.captureOnCommitCallbacks(execute=True), activated(self.minato):
            add_comment(actor=self.mika, answer=answer, body="桁数を教えてください")
        sent = [m for m in mail.outbox if self.bob.email in m.to]
        self.assertEqual([m.from_email for m in sent], ["joho@city.minato.example"])
        # 千代田区 set none: the service's sender.
        answer = self.assessment.answers.get(item__key="pw-composition")
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True), activated(Municipality.default()):
            add_comment(actor=self.alice, answer=answer, body="桁数を教えてください")
        self.assertEqual({m.from_email for m in mail.outbox}, {settings.DEFAULT_FROM_EMAIL})

    def test_a_link_in_an_e_mail_opens_its_municipality(self):
        self.client.force_login(self.bob)
        url = reverse("systems:detail", args=[self.minato_system.pk])
        self.assertEqual(self.client.get(url + "?municipality=131032").status_code, 200)
        # ... and the choice stays for the next page.
        self.assertEqual(self.system_page(self.minato_system).status_code, 200)

    def test_an_e_mail_names_its_municipality_and_its_link_opens_there(self):
        answer = self.minato_assessment.answers.get(item__key="pw-composition")
        with activated(self.minato):
            add_comment(actor=self.mika, answer=answer, body="桁数を教えてください")
        mail = next(m for m in OutgoingMail.objects.order_by("-pk") if self.bob.email in m.to)
        link = re.search(r"http://\S+", mail.body).group(0)
        self.assertIn("municipality=131032", link)
        self.client.force_login(self.bob)  # working in 千代田区 until now
        path = link.split("//", 1)[1].split("/", 1)[1]
        r = self.client.get("/" + path)
        self.assertEqual(r.status_code, 200)
        page = self.client.get(reverse("dashboards:home"))
        self.assertContains(page, '<span class="municipality" lang="ja">港区</span>', html=True)

    def test_a_municipality_one_does_not_work_for_is_a_404(self):
        self.client.force_login(self.charlie)  # beta, a member in 港区 only
        for code in ("131016", "999999", "x"):
            with self.subTest(code=code):
                r = self.client.post(reverse("service:switch", args=[code]))
                self.assertEqual(r.status_code, 404)
                r = self.client.get(reverse("dashboards:home") + f"?municipality={code}")
                self.assertEqual(r.status_code, 404)
        self.client.force_login(self.rita)  # the ward's staff never leave their own
        r = self.client.get(reverse("dashboards:home") + "?municipality=131032")
        self.assertEqual(self.system_page(self.minato_system).status_code, 404)

    def test_a_suspended_municipality_is_closed_to_its_staff_and_its_vendors(self):
        self.minato.suspended_at = timezone.now()
        self.minato.save()
        self.client.force_login(self.mika)
        r = self.client.get(reverse("dashboards:home"))
        self.assertContains(r, "利用は停止されています", status_code=403)
        self.client.force_login(self.bob)
        self.assertEqual(
            self.client.post(reverse("service:switch", args=["131032"])).status_code, 404
        )
        self.assertEqual(self.system_page(self.system).status_code, 200)

    def test_a_token_works_in_the_municipality_it_was_issued_in(self):
        with activated(self.minato):
            _token, secret = issue_token(
                actor=self.bob, user=self.bob, name="CI", days=30, read_only=True, with_totp=False
            )
        r = self.client.get("/api/v1/systems/", headers={"Authorization": f"Bearer {secret}"})
        self.assertEqual(r.status_code, 200)
        names = [s["name"] for s in r.json()["results"]]
        self.assertEqual(names, [self.minato_system.name])


class MunicipalitySettingsInForceTestCase(BaseTestCase):
    """A municipality's own settings apply to its people and its systems only."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        create_second_municipality(cls)
        cls.mina = make_user("mina", Role.ADMIN, cls.minato_it)
        enrol_totp(cls.mina)

    def test_user_management_answers_from_the_municipalitys_own_networks(self):
        self.minato.admin_allowed_networks = ["10.20.0.0/16"]
        self.minato.save()
        self.client.force_login(self.mina)  # from 127.0.0.1: not one of 港区's networks
        self.assertEqual(self.client.get(reverse("accounts:users")).status_code, 404)
        self.client.force_login(self.adam)  # 千代田区 keeps the service's (loopback)
        self.assertEqual(self.client.get(reverse("accounts:users")).status_code, 200)
        r = self.client.get(reverse("accounts:users"), REMOTE_ADDR="10.20.1.5")
        self.assertEqual(r.status_code, 404)

    def test_an_administrator_manages_their_own_municipalitys_people_only(self):
        self.client.force_login(self.adam)
        listed = self.client.get(reverse("accounts:users"))
        self.assertContains(listed, "alice")
        self.assertNotContains(listed, "mika")
        for person in (self.mika, self.mori, self.mina):
            with self.subTest(person=person.username):
                url = reverse("accounts:user_edit", args=[person.pk])
                self.assertEqual(self.client.get(url).status_code, 404)
        # A vendor person who works for both is in both lists.
        self.assertContains(listed, "bob")

    def test_reminders_follow_the_municipalitys_own_days(self):
        self.minato.reminder_days = 7
        self.minato.save()
        due = timezone.localdate() + datetime.timedelta(days=7)
        Assessment.objects.filter(pk__in=[self.assessment.pk, self.minato_assessment.pk]).update(
            due_date=due
        )
        daily_reminders.call_local()
        told = set(Notification.objects.filter(kind="due_soon").values_list("url", flat=True))
        self.assertEqual(len(told), 1)
        self.assertIn(f"/assessments/{self.minato_assessment.pk}/", told.pop())


class AlertsTestCase(BaseTestCase):
    """An alert about a municipality's people is that municipality's: its reviewers
    are told and see it; the others neither."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        create_second_municipality(cls)

    def raise_about(self, person):
        event = record("auth.lockout", person, actor=person)
        finding = Finding(Alert.Kind.LOCKOUT, f"lockout:{event.seq}", f"lockout:{person.pk}",
                          say("アカウント %(account)s がロックされました", account=person.username),
                          {"accounts": [person.username]}, [event])  # fmt: skip
        return raise_alert(finding)

    def test_an_alert_about_one_municipalitys_person_is_its_own(self):
        alert = self.raise_about(self.mika)
        self.assertEqual(alert.municipality, self.minato)
        told = {a for m in OutgoingMail.objects.all() for a in m.to}
        self.assertIn(self.mori.email, told)
        self.assertNotIn(self.rita.email, told)
        self.client.force_login(self.rita)
        self.assertNotContains(self.client.get(reverse("monitoring:alerts")), "mika")
        r = self.client.post(reverse("monitoring:acknowledge", args=[alert.pk]))
        self.assertEqual(r.status_code, 404)
        self.client.force_login(self.mori)
        self.assertContains(self.client.get(reverse("monitoring:alerts")), "mika")
