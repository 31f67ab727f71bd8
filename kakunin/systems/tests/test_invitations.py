import re
from datetime import timedelta

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kakunin.accounts.models import Organisation, User
from kakunin.audit.models import Event
from kakunin.evidence.actions import add_evidence
from kakunin.systems.actions import InvitationRefused, invite, update_system
from kakunin.systems.models import AccessRequest, Invitation
from testsupport.fixtures import (
    BaseTestCase,
    create_second_municipality,
    make_scan,
    make_system,
    make_user,
)

LINK = re.compile(r"http://127\.0\.0\.1:8000/invite/#(\S+)")


class Inviting:
    """Inviting, and what the invited person's browser does."""

    def invite(self, email="hanako@gamma.example", organisation=None, inviter=None, system=None):
        self.client.force_login(inviter or self.alice)
        data = {"full_name": "佐藤 花子", "email": email}
        if organisation:
            data["organisation"] = organisation.pk
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(
                reverse("systems:invite", args=[(system or self.system).pk]), data, follow=True
            )
        self.client.logout()
        return r

    def code(self) -> str:
        return LINK.search(mail.outbox[-1].body).group(1)

    def open_link(self, code=None):
        """What the page's script does with the code after "#" of the link."""
        return self.client.post(reverse("invitations:open"), {"code": code or self.code()})

    def accept(self, username="sato.hanako", password="Gamma-Vendor-2026"):
        return self.client.post(
            reverse("invitations:accept"),
            {"username": username, "password1": password, "password2": password},
        )


class InvitationTestCase(Inviting, BaseTestCase):
    def test_department_staff_invite_a_vendor_who_sets_a_password_and_lands_on_the_assessment(self):
        gamma = Organisation.objects.create(name="株式会社ガンマ", kind="vendor")
        self.system.vendors.add(gamma)
        r = self.invite(organisation=gamma)
        self.assertContains(r, "招待メールを送りました")
        self.assertEqual(mail.outbox[-1].to, ["hanako@gamma.example"])
        self.assertIn("子ども発達支援システム", mail.outbox[-1].subject)
        # The code is posted once, then the page lives at a plain address.
        r = self.open_link()
        self.assertRedirects(r, reverse("invitations:accept"))
        r = self.accept(password="short")
        self.assertContains(r, "12文字以上")
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
        self.assertTrue(self.system.memberships.filter(user=user, granted_by=self.alice).exists())

    def test_the_code_never_travels_in_a_url(self):
        self.invite(organisation=self.alpha)
        link = LINK.search(mail.outbox[-1].body).group(0)
        path_and_query = link.split("#", 1)[0]
        self.assertNotIn(self.code(), path_and_query)  # the part a server (and its log) sees
        self.assertIn(self.code(), mail.outbox[-1].body)  # typed by hand without a script
        r = self.client.get(path_and_query)
        self.assertContains(r, 'id="invitation-code"')
        # The old form of link, with the code in the path, does not exist.
        self.assertEqual(self.client.get(f"/invite/{self.code()}/").status_code, 404)

    def test_the_link_is_single_use(self):
        self.invite(organisation=self.alpha)
        code = self.code()
        self.open_link(code)
        self.accept()
        self.client.logout()
        r = self.open_link(code)
        self.assertContains(r, "招待リンクが無効です", status_code=410)

    def test_the_link_expires_after_72_hours(self):
        self.invite(organisation=self.alpha)
        invitation = Invitation.objects.get()
        self.assertAlmostEqual(
            (invitation.expires_at - timezone.now()).total_seconds(), 72 * 3600, delta=60
        )
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        self.assertEqual(self.open_link().status_code, 410)
        self.assertFalse(User.objects.filter(email="hanako@gamma.example").exists())

    def test_a_wrong_token_reveals_nothing(self):
        r = self.open_link("not-a-real-token")
        self.assertContains(r, "招待リンクが無効です", status_code=410)
        r = self.client.get(reverse("invitations:accept"))
        self.assertEqual(r.status_code, 410)

    def test_only_the_token_hash_is_stored(self):
        self.invite(organisation=self.alpha)
        self.assertNotIn(self.code(), Invitation.objects.get().token_hash)

    def test_one_person_one_id(self):
        before = User.objects.count()
        self.invite(email="BOB@example.org", organisation=self.alpha)
        self.open_link()
        r = self.client.get(reverse("invitations:accept"))
        self.assertNotContains(r, "パスワード（確認）")  # no form for a second account
        self.assertEqual(User.objects.count(), before)
        r = self.invite(organisation=self.alpha)
        self.open_link()
        r = self.accept(username="guest")
        self.assertContains(r, "共用・テスト用と紛らわしいIDは使えません")

    def test_vendors_cannot_invite(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("systems:invite", args=[self.system.pk]),
            {"full_name": "x", "email": "x@x.example"},
        )
        self.assertEqual(r.status_code, 403)


class InvitationScopeTestCase(BaseTestCase):
    """The attack: department A invites someone to its system A, picking vendor B's
    company (which serves department B). Before the fix, the invited person became a
    member of B and read B's systems, and B silently became a vendor of A."""

    def setUp(self):
        super().setUp()
        # System A belongs to 税務課 (dave); B = アルファ, the vendor of 子ども支援課's system.
        self.system_a = make_system(
            self.zeimu, [self.beta], created_by=self.dave, name="税務システム"
        )
        self.client.force_login(self.dave)

    def invite(self, organisation):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                reverse("systems:invite", args=[self.system_a.pk]),
                {
                    "full_name": "攻撃 太郎",
                    "email": "taro@attacker.example",
                    "organisation": organisation.pk,
                },
                follow=True,
            )

    def test_it_cannot_pick_a_company_that_is_not_the_systems_vendor(self):
        r = self.invite(self.alpha)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "正しく選択してください")  # the form offers A's vendors only
        self.assertFalse(self.system_a.vendors.filter(pk=self.alpha.pk).exists())
        self.assertFalse(Invitation.objects.exists())
        self.assertFalse(Event.objects.filter(action="system.update").exists())
        # Even straight through the action, no company is added as a side effect.
        with self.assertRaises(InvitationRefused):
            invite(actor=self.dave, system=self.system_a, organisation=self.alpha,
                   full_name="x", email="x@attacker.example")  # fmt: skip
        self.assertFalse(self.system_a.vendors.filter(pk=self.alpha.pk).exists())

    def test_an_invited_person_sees_the_inviting_system_only(self):
        # Adding B to A is its own decision: visible on A's page and audited.
        edit = self.client.get(reverse("systems:edit", args=[self.system_a.pk])).context["form"]
        data = {k: v for k, v in edit.initial.items() if v is not None and k != "vendors"}
        data |= {"vendors": [self.beta.pk, self.alpha.pk], "department": self.zeimu.pk,
                 "asset_categories": [], "new_vendor": ""}  # fmt: skip
        self.client.post(reverse("systems:edit", args=[self.system_a.pk]), data)
        self.assertTrue(self.system_a.vendors.filter(pk=self.alpha.pk).exists())
        event = Event.objects.get(action="system.update", object_id=str(self.system_a.pk))
        self.assertEqual(event.actor, self.dave)
        self.assertIn("株式会社アルファ", event.changes["vendors"][1])

        self.invite(self.alpha)
        self.client.logout()
        self.client.post(
            reverse("invitations:open"), {"code": LINK.search(mail.outbox[-1].body).group(1)}
        )
        self.client.post(reverse("invitations:accept"),
                         {"username": "taro", "password1": "Gamma-Vendor-2026", "password2": "Gamma-Vendor-2026"})  # fmt: skip
        taro = User.objects.get(username="taro")
        self.assertEqual(taro.organisation, self.alpha)
        a = self.assessment.pk
        evidence = add_evidence(
            actor=self.bob,
            answer=self.answer("pw-composition"),
            upload=SimpleUploadedFile("policy.txt", "パスワード規程".encode()),
        )
        scan = make_scan(self.system, {"tls-version": "pass"})
        for url in [
            reverse("systems:detail", args=[self.system.pk]),
            reverse("assessments:detail", args=[a]),
            reverse("evidence:download", args=[a, evidence.pk]),
            reverse("forms_xlsx:export", args=[a]),
            reverse("scans:report", args=[scan.pk]),
            reverse("scans:system", args=[self.system.pk]),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(
            self.client.post(reverse("reports:assessment_pdf", args=[a])).status_code, 404
        )
        r = self.client.post(
            reverse("assessments:save_item", args=[a, "pw-composition"]),
            {"pw-composition-status": "done", "pw-composition-text": "x", "pw-composition-version": "0"},
        )  # fmt: skip
        self.assertEqual(r.status_code, 404)
        self.assertEqual(
            self.client.get(reverse("systems:detail", args=[self.system_a.pk])).status_code, 200
        )
        self.assertNotContains(self.client.get(reverse("systems:index")), "子ども発達支援システム")


class MembershipTestCase(BaseTestCase):
    """Who may give a vendor person a system: an inviter grants only what they hold."""

    def setUp(self):
        super().setUp()
        self.bella = make_user("bella", "vendor", self.alpha)  # Alpha, not yet on the system
        self.other = make_system(
            self.kodomo, [self.alpha], created_by=self.alice, name="別システム", members=[]
        )

    def add(self, actor, person, system=None):
        self.client.force_login(actor)
        return self.client.post(
            reverse("systems:add_member", args=[(system or self.system).pk]),
            {"user": person.pk},
            follow=True,
        )

    def test_the_department_adds_people_of_its_systems_vendors(self):
        r = self.add(self.alice, self.bella)
        self.assertContains(r, "担当者に追加しました")
        self.assertTrue(
            self.system.memberships.filter(user=self.bella, granted_by=self.alice).exists()
        )
        self.assertTrue(Event.objects.filter(action="system.member_add", actor=self.alice).exists())
        # A person of a company that does not serve the system is not offered.
        r = self.add(self.alice, self.charlie)
        self.assertContains(r, "追加する担当者を一覧から選んでください")
        self.assertFalse(self.system.memberships.filter(user=self.charlie).exists())

    def test_another_department_cannot(self):
        self.assertEqual(self.add(self.dave, self.bella).status_code, 404)
        self.assertFalse(self.system.memberships.filter(user=self.bella).exists())

    def test_a_vendor_manager_adds_colleagues_to_systems_they_work_on_only(self):
        self.assertEqual(self.add(self.bob, self.bella).status_code, 403)  # not a manager
        self.bob.manages_organisation = True
        self.bob.save()
        self.add(self.bob, self.bella)
        self.assertTrue(self.system.memberships.filter(user=self.bella).exists())
        # bob does not work on the other system: he cannot grant it.
        self.assertEqual(self.add(self.bob, self.bella, self.other).status_code, 404)
        self.assertFalse(self.other.memberships.filter(user=self.bella).exists())

    def test_a_reviewer_may_grant_any_system(self):
        self.add(self.rita, self.bella, self.other)
        self.assertTrue(self.other.memberships.filter(user=self.bella).exists())

    def test_removing_the_company_from_the_system_removes_its_people(self):
        update_system(actor=self.alice, system=self.system, data={}, vendors=[])
        self.assertFalse(self.system.memberships.filter(user=self.bob).exists())
        event = Event.objects.filter(action="system.update").latest("seq")
        self.assertEqual(event.changes["members"], [[str(self.bob)], None])
        self.client.force_login(self.bob)
        self.assertEqual(
            self.client.get(reverse("systems:detail", args=[self.system.pk])).status_code, 404
        )

    def test_the_department_removes_a_member(self):
        self.client.force_login(self.alice)
        self.client.post(reverse("systems:remove_member", args=[self.system.pk, self.bob.pk]))
        self.assertFalse(self.system.memberships.filter(user=self.bob).exists())
        self.assertTrue(
            Event.objects.filter(action="system.member_remove", actor=self.alice).exists()
        )


class AccessRequestTestCase(BaseTestCase):
    def test_a_vendor_asks_and_the_department_approves(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("systems:request_access", args=[self.system.pk]),
            {"full_name": "鈴木 次郎", "email": "jiro@alpha.example", "reason": "保守担当の交代"},
            follow=True,
        )
        self.assertContains(r, "追加を依頼しました")
        self.assertTrue(self.alice.notifications.filter(kind="access_request").exists())
        request = AccessRequest.objects.get()
        self.client.force_login(self.alice)
        r = self.client.get(reverse("invitations:requests"))
        self.assertContains(r, "鈴木 次郎")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("invitations:decide", args=[request.pk]),
                {"decision": "approve"},
            )
        request.refresh_from_db()
        self.assertEqual(request.state, "approved")
        invitation = Invitation.objects.get(email="jiro@alpha.example")
        self.assertEqual(invitation.organisation, self.alpha)
        self.assertEqual(mail.outbox[-1].to, ["jiro@alpha.example"])
        r = self.client.post(
            reverse("invitations:decide", args=[request.pk]),
            {"decision": "reject"},
            follow=True,
        )
        self.assertContains(r, "この依頼は処理済みです")

    def test_names_that_start_like_a_formula_are_refused_at_entry(self):
        """Issue 23.12: a name travels into the CSV and Excel exports."""
        said = "名前の先頭に「=」「+」「-」「@」は使えません"
        self.client.force_login(self.bob)
        r = self.client.post(
            reverse("systems:request_access", args=[self.system.pk]),
            {"full_name": '=HYPERLINK("http://evil","x")', "email": "x@alpha.example",
             "reason": "x"},
            follow=True,
        )  # fmt: skip
        self.assertContains(r, said)
        self.assertFalse(AccessRequest.objects.exists())
        self.client.force_login(self.alice)
        r = self.client.post(
            reverse("systems:invite", args=[self.system.pk]),
            {"full_name": "＋SUM(1)", "email": "x@alpha.example", "organisation": self.alpha.pk},
            follow=True,
        )
        self.assertContains(r, said)
        self.assertFalse(Invitation.objects.exists())
        form = self.client.get(reverse("systems:edit", args=[self.system.pk])).context["form"]
        data = {k: v for k, v in form.initial.items() if v is not None and k != "vendors"}
        data |= {"vendors": [self.alpha.pk], "asset_categories": [], "new_vendor": "@evil"}
        self.assertContains(
            self.client.post(reverse("systems:edit", args=[self.system.pk]), data), said
        )
        self.assertFalse(Organisation.objects.filter(name="@evil").exists())
        self.client.force_login(self.adam)
        r = self.client.post(
            reverse("accounts:user_create"),
            {"username": "newbie", "full_name": "-1+1", "email": "n@example.org",
             "role": "auditor"},
        )  # fmt: skip
        self.assertContains(r, said, status_code=r.status_code)
        self.assertFalse(User.objects.filter(username="newbie").exists())

    def test_a_vendor_is_answered_the_same_whether_the_address_has_an_account(self):
        """Issue 23.14: the request form told a vendor which addresses had accounts."""
        self.client.force_login(self.bob)
        said = []
        for email in ("charlie@example.org", "nobody-yet@beta.example"):
            r = self.client.post(
                reverse("systems:request_access", args=[self.system.pk]),
                {"full_name": "Charlie", "email": email, "reason": "x"},
                follow=True,
            )
            said.append([str(m) for m in r.context["messages"]])
        self.assertEqual(said[0], said[1])
        self.assertEqual(said[0], ["追加を依頼しました。区の承認後、招待メールが届きます。"])
        self.assertEqual(AccessRequest.objects.count(), 2)


class ExistingAccountTestCase(Inviting, BaseTestCase):
    """Issue 23.14: an invitation answers its sender the same whether the address has an
    account. Its owner is told apart, and joins with the account they have, or is told
    why they cannot; no second account is ever made."""

    def seen_by_inviter(self, email: str) -> tuple:
        """What the inviter sees: the message, and the invitation's row on the system's
        page, with the address itself taken out."""
        r = self.invite(email=email, organisation=self.alpha)
        self.client.force_login(self.alice)
        page = self.client.get(reverse("systems:detail", args=[self.system.pk])).content.decode()
        self.client.logout()
        row = re.search(rf"<tr><td>[^<]*</td><td>{re.escape(email)}</td>.*?</tr>", page, re.S)
        return (
            [str(m).replace(email, "@") for m in r.context["messages"]],
            row.group(0).replace(email, "@"),
            r.status_code,
        )

    def test_the_inviter_sees_the_same_for_an_address_with_or_without_an_account(self):
        dora = make_user("dora", "vendor", self.alpha)
        seen = [
            self.seen_by_inviter(email)
            for email in ("hanako@alpha.example", dora.email, self.charlie.email,
                          self.rita.email)
        ]  # fmt: skip
        for other in seen[1:]:
            self.assertEqual(other, seen[0])
        self.assertEqual(Invitation.objects.count(), 4)
        self.assertEqual(User.objects.filter(email__iexact="hanako@alpha.example").count(), 0)

    def test_the_owner_of_the_account_joins_with_it_after_logging_in(self):
        dora = make_user("dora", "vendor", self.alpha)
        users = User.objects.count()
        self.invite(email=dora.email.upper(), organisation=self.alpha)
        message = mail.outbox[-1]
        self.assertEqual(message.to, [dora.email])
        self.assertIn("ユーザID: dora", message.body)
        self.assertIn("新しいアカウントは作りません", message.body)
        self.open_link()
        r = self.client.get(reverse("invitations:accept"))
        self.assertContains(r, "いつものユーザIDでログインすると")
        self.assertContains(r, f'href="{reverse("account_login")}?next=/invite/accept/"')
        self.client.force_login(dora)
        r = self.client.get(reverse("invitations:accept"))
        self.assertContains(r, "担当者になる")
        r = self.client.post(reverse("invitations:accept"))
        self.assertRedirects(
            r,
            reverse("assessments:detail", args=[self.assessment.pk]),
            fetch_redirect_response=False,
        )
        self.assertTrue(self.system.memberships.filter(user=dora, granted_by=self.alice).exists())
        self.assertEqual(User.objects.count(), users)
        invitation = Invitation.objects.get()
        self.assertEqual((invitation.user, invitation.usable), (dora, False))
        self.assertTrue(Event.objects.filter(action="invitation.accept", actor=dora).exists())
        self.assertEqual(
            Event.objects.get(action="invitation.existing_account").changes,
            {"user": [None, "dora"], "joinable": [None, True]},
        )
        self.client.force_login(self.alice)
        page = self.client.get(reverse("systems:detail", args=[self.system.pk]))
        self.assertContains(page, "登録済み")

    def test_an_account_of_another_company_is_told_why_and_given_no_link(self):
        self.invite(email=self.charlie.email, organisation=self.alpha)
        message = mail.outbox[-1]
        self.assertEqual(message.to, [self.charlie.email])
        self.assertIn("この招待では担当者になれません", message.body)
        self.assertIsNone(LINK.search(message.body))
        self.assertFalse(self.system.memberships.filter(user=self.charlie).exists())
        self.assertEqual(
            Event.objects.get(action="invitation.existing_account").changes,
            {"user": [None, "charlie"], "joinable": [None, False]},
        )

    def test_someone_else_logged_in_cannot_take_it(self):
        dora = make_user("dora", "vendor", self.alpha)
        self.invite(email=dora.email, organisation=self.alpha)
        self.open_link()
        self.client.force_login(self.bob)
        for method in (self.client.get, self.client.post):
            r = method(reverse("invitations:accept"))
            self.assertContains(r, "ログイン中のアカウントでは受けられません", status_code=403)
        self.assertFalse(self.system.memberships.filter(user=dora).exists())
        self.assertTrue(Invitation.objects.get().usable)

    def test_an_account_made_for_the_address_since_the_invitation_takes_the_join_path(self):
        self.invite(email="late@example.org", organisation=self.alpha)
        self.open_link()
        late = make_user("late", "vendor", self.alpha)
        r = self.accept(username="late.second")
        self.assertNotContains(r, "パスワード（確認）")
        self.assertFalse(User.objects.filter(username="late.second").exists())
        self.client.force_login(late)
        self.client.post(reverse("invitations:accept"))
        self.assertTrue(self.system.memberships.filter(user=late).exists())


class TwoAddressesTestCase(Inviting, BaseTestCase):
    """One person invited by two municipalities under two addresses: one ID still."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        create_second_municipality(cls)

    def test_a_namesake_of_the_company_is_invited_at_their_accounts_address(self):
        self.bob.full_name = "佐藤 花子"
        self.bob.save()
        before = (Invitation.objects.count(), len(mail.outbox))
        r = self.invite(email="hanako.work@alpha.example", organisation=self.alpha,
                        inviter=self.mika, system=self.minato_system)  # fmt: skip
        self.assertContains(r, "別のメールアドレスで Kakunin のアカウントをお持ちです")
        self.assertEqual((Invitation.objects.count(), len(mail.outbox)), before, "nothing sent")

    def test_someone_with_an_account_takes_no_second_one_through_a_link(self):
        self.invite(email="b.suzuki@alpha.example", organisation=self.alpha,
                    inviter=self.mika, system=self.minato_system)  # fmt: skip
        code = self.code()
        self.client.force_login(self.bob)  # the same person, signed in with their account
        self.open_link(code)
        users = User.objects.count()
        r = self.client.get(reverse("invitations:accept"))
        self.assertContains(r, "2つめのアカウントは作れません", status_code=403)
        r = self.accept(username="b.suzuki")
        self.assertEqual(r.status_code, 403)
        self.assertEqual(User.objects.count(), users)
        self.assertTrue(Invitation.objects.get(email="b.suzuki@alpha.example").usable)
