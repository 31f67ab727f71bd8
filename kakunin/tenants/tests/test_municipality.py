from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings

from kakunin.accounts.models import Organisation
from kakunin.tenants.models import Municipality
from testsupport.fixtures import BaseTestCase


class OneMunicipalityTestCase(BaseTestCase):
    """A one-ward installation is a service with one municipality."""

    def test_the_ward_and_its_people_and_systems_are_the_installations_municipality(self):
        chiyoda = Municipality.objects.get(code="131016")
        self.assertEqual(chiyoda.name, "千代田区")
        self.assertEqual(self.kodomo.municipality, chiyoda)
        for person in (self.alice, self.rita, self.adam, self.audrey):
            with self.subTest(person=person.username):
                self.assertEqual(person.municipality, chiyoda)
        self.assertEqual(self.system.municipality, chiyoda)

    def test_vendor_companies_and_people_belong_to_no_municipality(self):
        self.assertIsNone(self.alpha.municipality)
        self.assertIsNone(self.bob.municipality)

    def test_two_municipalities_may_each_have_a_department_of_the_same_name(self):
        minato = Municipality.objects.create(code="131032", name="港区")
        other = Organisation.objects.create(name="情報政策課", kind="ward", municipality=minato)
        self.assertEqual(other.municipality, minato)

    def test_a_vendor_company_is_registered_once_by_its_corporate_number(self):
        self.alpha.corporate_number = "7000012050002"
        self.alpha.save()
        twin = Organisation(
            name="アルファ株式会社", kind="vendor", corporate_number="7000012050002"
        )
        with self.assertRaises(ValidationError) as raised:
            twin.full_clean()
        self.assertIn("この法人番号の事業者は既に登録されています。", raised.exception.messages)

    def test_a_corporate_number_with_a_wrong_check_digit_is_refused(self):
        company = Organisation(
            name="株式会社デルタ", kind="vendor", corporate_number="8000012050002"
        )
        with self.assertRaises(ValidationError) as raised:
            company.full_clean()
        self.assertIn("corporate_number", raised.exception.message_dict)


class MunicipalitySettingsTestCase(TestCase):
    def setUp(self):
        self.municipality = Municipality(code="131032", name="港区")

    def test_the_services_settings_fill_what_it_leaves_blank(self):
        m = self.municipality
        with override_settings(SITE_NAME="Kakunin", DEFAULT_FROM_EMAIL="k@example.org"):
            self.assertEqual(m.shown_name, "Kakunin")
            self.assertEqual(m.sender, "k@example.org")
        m.display_name, m.mail_from = "港区 確認", "joho@city.minato.example"
        self.assertEqual(m.shown_name, "港区 確認")
        self.assertEqual(m.sender, "joho@city.minato.example")

    def test_its_policy_is_never_weaker_than_the_services(self):
        m = self.municipality
        m.password_min_length, m.lockout_failures = 8, 50
        m.admin_allowed_networks = ["10.0.0.0/8", "not a network"]
        with self.assertRaises(ValidationError) as raised:
            m.full_clean()
        self.assertEqual(
            set(raised.exception.message_dict),
            {"password_min_length", "lockout_failures", "admin_allowed_networks"},
        )
        # Read as the service's, whatever was stored.
        self.assertGreaterEqual(m.min_password_length, 12)
        self.assertLessEqual(m.failures_before_lockout, 10)

    def test_a_stricter_policy_is_kept(self):
        m = self.municipality
        m.password_min_length, m.lockout_failures = 16, 5
        m.full_clean()
        self.assertEqual((m.min_password_length, m.failures_before_lockout), (16, 5))

    def test_a_code_with_a_wrong_check_digit_is_refused(self):
        with self.assertRaises(ValidationError) as raised:
            Municipality(code="131033", name="港区").full_clean()
        self.assertIn("code", raised.exception.message_dict)
