from django.urls import reverse

from kakunin.accounts.models import User
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
        self.assertContains(r, "既に存在します")
