from django.urls import reverse

from kakunin.accounts.models import Organisation, User
from kakunin.audit.models import Event
from testsupport.fixtures import BaseTestCase


class IssueUserTestCase(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.adam)

    def data(self, **overrides):
        return {
            "username": "erin",
            "full_name": "佐藤 恵里",
            "email": "erin@example.org",
            "role": "vendor",
            "organisation": self.alpha.pk,
        } | overrides

    def test_it_issues_an_account_with_a_one_time_password(self):
        r = self.client.post(reverse("accounts:user_create"), self.data())
        self.assertContains(r, "一時パスワードを発行しました")
        password = r.context["password"]
        self.assertGreaterEqual(len(password), 12)
        erin = User.objects.get(username="erin")
        self.assertTrue(erin.check_password(password))
        self.assertTrue(erin.must_change_password)
        self.assertEqual(erin.issued_by, self.adam)
        event = Event.objects.get(action="user.create")
        self.assertEqual(event.changes["role"], [None, "vendor"])
        self.assertNotIn(password, str(event.changes))

    def test_one_person_one_id_email_is_unique_ignoring_case(self):
        r = self.client.post(reverse("accounts:user_create"), self.data(email="ALICE@example.org"))
        self.assertContains(r, "既に別の利用者に登録されています")
        r = self.client.post(reverse("accounts:user_create"), self.data(username="Alice"))
        self.assertContains(r, "このユーザIDは既に使われています")
        self.assertFalse(User.objects.filter(full_name="佐藤 恵里").exists())

    def test_the_role_must_fit_the_organisation(self):
        r = self.client.post(
            reverse("accounts:user_create"), self.data(organisation=self.kodomo.pk)
        )
        self.assertContains(r, "「事業者」の組織でなければなりません")
        r = self.client.post(
            reverse("accounts:user_create"), self.data(role="department", organisation="")
        )
        self.assertContains(r, "「区の部署」の組織でなければなりません")

    def test_bad_usernames_and_emails_are_explained(self):
        r = self.client.post(
            reverse("accounts:user_create"), self.data(username="a b/c", email="not-an-email")
        )
        self.assertContains(r, "ユーザIDには半角英数字")
        self.assertContains(r, "有効なメールアドレスを入力してください")

    def test_role_changes_are_audited(self):
        url = reverse("accounts:user_edit", args=[self.bob.pk])
        data = {
            "username": "bob",
            "full_name": "Bob",
            "email": "bob@example.org",
            "role": "vendor",
            "organisation": self.beta.pk,
        }
        self.client.post(url, data)
        event = Event.objects.get(action="user.update")
        self.assertEqual(event.changes["organisation"], ["株式会社アルファ", "株式会社ベータ"])

    def test_accounts_are_disabled_with_a_reason_never_deleted(self):
        url = reverse("accounts:user_disable", args=[self.bob.pk])
        r = self.client.post(url, {"reason": ""}, follow=True)
        self.assertContains(r, "無効化の理由を300文字以内で入力してください")
        self.client.post(url, {"reason": "契約終了"})
        self.bob.refresh_from_db()
        self.assertFalse(self.bob.is_active)
        self.assertEqual(self.bob.disabled_reason, "契約終了")
        self.assertIsNotNone(self.bob.disabled_at)
        self.assertTrue(
            Event.objects.filter(action="user.disable", object_id=str(self.bob.pk)).exists()
        )
        self.client.post(reverse("accounts:user_enable", args=[self.bob.pk]))
        self.bob.refresh_from_db()
        self.assertTrue(self.bob.is_active)

    def test_an_administrator_cannot_disable_themselves(self):
        r = self.client.post(
            reverse("accounts:user_disable", args=[self.adam.pk]), {"reason": "x"}, follow=True
        )
        self.assertContains(r, "自分自身のアカウントは無効化できません")
        self.adam.refresh_from_db()
        self.assertTrue(self.adam.is_active)

    def test_organisations_are_created_and_audited(self):
        r = self.client.post(
            reverse("accounts:organisations"), {"name": "株式会社ガンマ", "kind": "vendor"}
        )
        self.assertRedirects(r, reverse("accounts:organisations"))
        self.assertTrue(
            Event.objects.filter(
                action="organisation.create", object_label="株式会社ガンマ"
            ).exists()
        )
        r = self.client.post(
            reverse("accounts:organisations"), {"name": "株式会社ガンマ", "kind": "vendor"}
        )
        self.assertContains(r, "この名称の事業者は既に登録されています")
        # A department's name is unique within its municipality: said, not a 500.
        r = self.client.post(
            reverse("accounts:organisations"), {"name": "情報政策課", "kind": "ward"}
        )
        self.assertContains(r, "この名称の部署は既に登録されています")

    def test_a_vendor_company_is_registered_once_by_its_corporate_number(self):
        url = reverse("accounts:organisations")
        r = self.client.post(
            url,
            {
                "name": "株式会社デルタ",
                "kind": "vendor",
                "corporate_number": "１-１８０３-０１０１-８７７１",
            },
        )
        self.assertRedirects(r, url)
        delta = Organisation.objects.get(name="株式会社デルタ")
        self.assertEqual(delta.corporate_number, "1180301018771")
        event = Event.objects.get(action="organisation.create", object_id=str(delta.pk))
        self.assertEqual(event.changes["corporate_number"], [None, "1180301018771"])
        before = Organisation.objects.count()
        for data, message in (
            (
                {"name": "デルタ株式会社", "corporate_number": "1180301018771"},
                "この法人番号の事業者は既に登録されています",
            ),
            ({"name": "株式会社イプシロン", "corporate_number": "2180301018771"}, "検査数字"),
            ({"name": "株式会社ゼータ", "corporate_number": "118030101877"}, "13桁"),
            (
                {"name": "広報課", "kind": "ward", "corporate_number": "7000012050002"},
                "事業者の組織にだけ",
            ),
        ):
            with self.subTest(data=data):
                r = self.client.post(url, {"kind": "vendor"} | data)
                self.assertContains(r, message, status_code=200)
        self.assertEqual(Organisation.objects.count(), before, "nothing saved")
