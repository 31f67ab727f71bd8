from datetime import timedelta
from itertools import pairwise

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kakunin.accounts import actions
from kakunin.accounts.models import PasswordHistory
from kakunin.audit.models import Event
from testsupport.fixtures import PASSWORD, BaseTestCase


class PasswordPolicyTestCase(BaseTestCase):
    def errors(self, password, user=None) -> str:
        try:
            validate_password(password, user or self.alice)
        except ValidationError as exc:
            return " ".join(exc.messages)
        return ""

    def test_12_characters_with_upper_lower_and_digits(self):
        self.assertEqual(self.errors("Kakunin-Pass-2026"), "")
        self.assertIn("12文字以上", self.errors("Short1Aa"))
        self.assertIn("英大文字", self.errors("lowercase-only-2026"))
        self.assertIn("英小文字", self.errors("UPPERCASE-ONLY-2026"))
        self.assertIn("数字", self.errors("NoDigitsAtAll-here"))

    def test_common_and_personal_passwords_are_refused_in_japanese(self):
        self.assertIn("一般的すぎます", self.errors("Password1234"))
        self.alice.full_name = "Yamada Hanako"
        self.assertIn("似すぎています", self.errors("YamadaHanako1", self.alice))
        self.assertIn("似すぎています", self.errors("Alice@example.org1"))

    def test_it_is_stored_with_argon2id(self):
        with self.settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
            self.alice.set_password("Kakunin-Pass-2026")
        self.assertTrue(self.alice.password.startswith("argon2$argon2id$"))
        self.assertNotIn("Kakunin-Pass-2026", self.alice.password)

    def change(self, old, new):
        self.alice.refresh_from_db()  # the session is bound to the current password hash
        self.client.force_login(self.alice)
        return self.client.post(
            reverse("account_change_password"),
            {"oldpassword": old, "password1": new, "password2": new},
        )

    @override_settings(ACCOUNT_RATE_LIMITS={"login_failed": False, "change_password": False})
    def test_the_last_five_passwords_cannot_come_back(self):
        passwords = [PASSWORD] + [f"Rotating-Secret-{i}A" for i in range(1, 7)]
        for old, new in pairwise(passwords):
            r = self.change(old, new)
            self.assertEqual(r.status_code, 302, new)
        current = passwords[-1]
        for reused in passwords[-5:]:  # the current one and the four before it
            r = self.change(current, reused)
            self.assertContains(r, "最近使った5個のパスワードは使えません")
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(current))
        self.assertEqual(PasswordHistory.objects.filter(user=self.alice).count(), 5)
        r = self.change(current, passwords[1])  # six changes ago: allowed again
        self.assertEqual(r.status_code, 302)


class ExpiryTestCase(BaseTestCase):
    def age(self, days):
        self.alice.password_changed_at = timezone.now() - timedelta(days=days)
        self.alice.save()

    def test_an_expired_password_forces_a_change_before_anything_else(self):
        self.age(91)
        self.client.force_login(self.alice)
        change = reverse("account_change_password")
        r = self.client.get(reverse("systems:index"))
        self.assertTrue(r["Location"].startswith(change + "?next="), r["Location"])
        r = self.client.get(reverse("assessments:detail", args=[self.assessment.pk]))
        self.assertTrue(r["Location"].startswith(change + "?next="), r["Location"])
        self.assertEqual(Event.objects.filter(action="user.password_expired").count(), 1)

    def test_a_fresh_password_does_not_expire(self):
        self.age(89)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 200)

    @override_settings(PASSWORD_MAX_AGE_DAYS=0)
    def test_zero_turns_expiry_off(self):
        self.age(3650)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(reverse("systems:index")).status_code, 200)


class OneTimePasswordTestCase(BaseTestCase):
    def test_the_first_login_with_an_issued_password_forces_a_change(self):
        self.client.force_login(self.adam)
        r = self.client.post(
            reverse("accounts:user_create"),
            {
                "username": "hanako",
                "full_name": "山田 花子",
                "email": "hanako@example.org",
                "role": "department",
                "organisation": self.kodomo.pk,
            },
        )
        one_time = r.context["password"]
        self.client.logout()
        r = self.client.post(reverse("account_login"), {"login": "hanako", "password": one_time})
        self.assertEqual(r.status_code, 302)
        self.assertRedirects(
            self.client.get(reverse("systems:index")),
            reverse("account_change_password") + "?next=%2Fsystems%2F",
        )

    def test_reset_password_issues_a_new_one_time_password(self):
        password = actions.reset_password(actor=self.adam, user=self.bob)
        self.bob.refresh_from_db()
        self.assertTrue(self.bob.check_password(password))
        self.assertTrue(self.bob.must_change_password)
