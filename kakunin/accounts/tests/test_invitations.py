import re
from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kakunin.accounts.models import AccessRequest, Invitation, Organisation, User
from kakunin.audit.models import Event
from kakunin.test import BaseTestCase

LINK = re.compile(r"http://127\.0\.0\.1:8000(/invite/[^/\s]+/)")


class InvitationTestCase(BaseTestCase):
    def invite(self, email="hanako@gamma.example", organisation=None, new_organisation=""):
        self.client.force_login(self.alice)
        data = {"full_name": "佐藤 花子", "email": email, "new_organisation": new_organisation}
        if organisation:
            data["organisation"] = organisation.pk
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(
                reverse("accounts:invite", args=[self.system.pk]), data, follow=True
            )
        self.client.logout()
        return r

    def link(self) -> str:
        return LINK.search(mail.outbox[-1].body).group(1)

    def accept(self, username="sato.hanako", password="Gamma-Vendor-2026"):
        return self.client.post(
            reverse("accounts:accept_invitation"),
            {"username": username, "password1": password, "password2": password},
        )

    def test_department_staff_invite_a_vendor_who_sets_a_password_and_lands_on_the_assessment(self):
        r = self.invite(new_organisation="株式会社ガンマ")
        self.assertContains(r, "招待メールを送りました")
        gamma = Organisation.objects.get(name="株式会社ガンマ")
        self.assertTrue(self.system.vendors.filter(pk=gamma.pk).exists())
        self.assertEqual(mail.outbox[-1].to, ["hanako@gamma.example"])
        self.assertIn("子ども発達支援システム", mail.outbox[-1].subject)
        # The token is used once in the URL, then the page lives at a plain address.
        r = self.client.get(self.link())
        self.assertRedirects(r, reverse("accounts:accept_invitation"))
        r = self.accept(password="short")
        self.assertContains(r, "12 文字以上")
        r = self.accept()
        self.assertRedirects(
            r,
            reverse("assessments:detail", args=[self.assessment.pk]),
            fetch_redirect_response=False,
        )
        user = User.objects.get(username="sato.hanako")
        self.assertEqual(
            (user.role, user.organisation, user.issued_by), ("vendor", gamma, self.alice)
        )
        self.assertFalse(user.must_change_password)
        self.assertEqual(
            self.client.get(reverse("assessments:detail", args=[self.assessment.pk])).status_code,
            200,
        )
        self.assertTrue(Event.objects.filter(action="invitation.accept", actor=user).exists())

    def test_the_link_is_single_use(self):
        self.invite(organisation=self.alpha)
        link = self.link()
        self.client.get(link)
        self.accept()
        self.client.logout()
        r = self.client.get(link)
        self.assertContains(r, "招待リンクが無効です", status_code=410)

    def test_the_link_expires_after_72_hours(self):
        self.invite(organisation=self.alpha)
        invitation = Invitation.objects.get()
        self.assertAlmostEqual(
            (invitation.expires_at - timezone.now()).total_seconds(), 72 * 3600, delta=60
        )
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        self.assertEqual(self.client.get(self.link()).status_code, 410)
        self.assertFalse(User.objects.filter(email="hanako@gamma.example").exists())

    def test_a_wrong_token_reveals_nothing(self):
        r = self.client.get("/invite/not-a-real-token/")
        self.assertContains(r, "招待リンクが無効です", status_code=410)
        r = self.client.get(reverse("accounts:accept_invitation"))
        self.assertEqual(r.status_code, 410)

    def test_only_the_token_hash_is_stored(self):
        self.invite(organisation=self.alpha)
        token = self.link().strip("/").split("/")[-1]
        self.assertNotIn(token, Invitation.objects.get().token_hash)

    def test_one_person_one_id(self):
        r = self.invite(email="bob@example.org", organisation=self.alpha)
        self.assertContains(r, "このメールアドレスの利用者は既にいます")
        self.assertFalse(Invitation.objects.exists())
        r = self.invite(organisation=self.alpha)
        self.client.get(self.link())
        r = self.accept(username="guest")
        self.assertContains(r, "共用・テスト用と紛らわしいIDは使えません")

    def test_vendors_cannot_invite(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("accounts:invite", args=[self.system.pk]),
            {"full_name": "x", "email": "x@x.example"},
        )
        self.assertEqual(r.status_code, 403)


class AccessRequestTestCase(BaseTestCase):
    def test_a_vendor_asks_and_the_department_approves(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("accounts:request_access", args=[self.system.pk]),
            {"full_name": "鈴木 次郎", "email": "jiro@alpha.example", "reason": "保守担当の交代"},
            follow=True,
        )
        self.assertContains(r, "追加を依頼しました")
        self.assertTrue(self.alice.notifications.filter(kind="access_request").exists())
        request = AccessRequest.objects.get()
        self.client.force_login(self.alice)
        r = self.client.get(reverse("accounts:access_requests"))
        self.assertContains(r, "鈴木 次郎")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("accounts:decide_access_request", args=[request.pk]),
                {"decision": "approve"},
            )
        request.refresh_from_db()
        self.assertEqual(request.state, "approved")
        invitation = Invitation.objects.get(email="jiro@alpha.example")
        self.assertEqual(invitation.organisation, self.alpha)
        self.assertEqual(mail.outbox[-1].to, ["jiro@alpha.example"])
        r = self.client.post(
            reverse("accounts:decide_access_request", args=[request.pk]),
            {"decision": "reject"},
            follow=True,
        )
        self.assertContains(r, "この依頼は処理済みです")

    def test_an_existing_person_is_not_asked_for_twice(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("accounts:request_access", args=[self.system.pk]),
            {"full_name": "Charlie", "email": "charlie@example.org", "reason": "x"},
            follow=True,
        )
        self.assertContains(r, "このメールアドレスの利用者は既にいます")
        self.assertFalse(AccessRequest.objects.exists())
